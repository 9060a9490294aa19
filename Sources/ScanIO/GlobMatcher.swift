/// Shell-style globs (`*`, `?`, `[...]`, `**/` for any folders) on relative paths.
public enum GlobMatcher {
    public static func matches(_ glob: String, _ path: String) -> Bool {
        matches(Array(glob.utf8)[...], Array(path.utf8)[...])
    }

    private static func matches(_ glob: ArraySlice<UInt8>, _ path: ArraySlice<UInt8>) -> Bool {
        var glob = glob
        var path = path
        while let g = glob.first {
            switch g {
            case UInt8(ascii: "*"):
                let doubleStar = glob.dropFirst().first == UInt8(ascii: "*")
                glob = glob.dropFirst(doubleStar ? 2 : 1)
                if doubleStar && glob.first == UInt8(ascii: "/") {
                    // `**/` matches zero or more whole folders.
                    let rest = glob.dropFirst()
                    if matches(rest, path) { return true }
                    var remaining = path
                    while let slash = remaining.firstIndex(of: UInt8(ascii: "/")) {
                        remaining = remaining[(slash + 1)...]
                        if matches(rest, remaining) { return true }
                    }
                    return false
                }
                var index = path.startIndex
                while true {
                    if matches(glob, path[index...]) { return true }
                    guard index < path.endIndex, doubleStar || path[index] != UInt8(ascii: "/") else { return false }
                    index += 1
                }
            case UInt8(ascii: "?"):
                guard let p = path.first, p != UInt8(ascii: "/") else { return false }
                glob = glob.dropFirst()
                path = path.dropFirst()
            case UInt8(ascii: "["):
                guard let close = glob.dropFirst(2).firstIndex(of: UInt8(ascii: "]")), let p = path.first else {
                    return false
                }
                var set = glob[(glob.startIndex + 1)..<close]
                let negate = set.first == UInt8(ascii: "!") || set.first == UInt8(ascii: "^")
                if negate { set = set.dropFirst() }
                var found = false
                var index = set.startIndex
                while index < set.endIndex {
                    if index + 2 < set.endIndex && set[index + 1] == UInt8(ascii: "-") {
                        if p >= set[index] && p <= set[index + 2] { found = true }
                        index += 3
                    } else {
                        if p == set[index] { found = true }
                        index += 1
                    }
                }
                guard found != negate else { return false }
                glob = glob[(close + 1)...]
                path = path.dropFirst()
            default:
                guard path.first == g else { return false }
                glob = glob.dropFirst()
                path = path.dropFirst()
            }
        }
        return path.isEmpty
    }
}
