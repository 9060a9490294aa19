import Matching

/// The name prefilter's engines must find the same words: Vectorscan (with the boundaries checked around each
/// occurrence) against the PCRE2 alternation, on plain and JSON text. The input's first line gives up to eight
/// names (separated by spaces; a leading `!` makes one case-sensitive), the rest is the text. A difference is
/// a word one engine would lose: a silent pass, so the target traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrefilter(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = inputBytes(start, count)
    let newline = bytes.firstIndex(of: 10) ?? bytes.count
    var names: [String] = []
    var sensitive: [Bool] = []
    for field in bytes[..<newline].split(separator: 32).prefix(8) {
        let exact = field.first == UInt8(ascii: "!")
        let name = String(decoding: exact ? field.dropFirst() : field, as: UTF8.self)
        guard !name.isEmpty, name.utf8.count <= 64 else { continue }
        names.append(name)
        sensitive.append(exact)
    }
    guard !names.isEmpty else { return 0 }
    let text = Array(bytes[min(newline + 1, bytes.count)...])
    let literals = NamePrefilter(names: names, caseSensitive: sensitive, engine: .literals)
    let alternation = NamePrefilter(names: names, caseSensitive: sensitive, engine: .alternation)
    let scratch = MatchScratch()
    text.withUnsafeBytes { buffer in
        for json in [false, true] {
            var found: [[Int]] = [[], []]
            for (index, filter) in [literals, alternation].enumerated() {
                filter.scan(buffer, jsonEscapes: json, scratch: scratch) { name, range in
                    found[index] += [name, range.lowerBound, range.upperBound]
                }
            }
            if found[0] != found[1] {
                fatalError("prefilter engines differ (json: \(json)): \(found[0]) against \(found[1])")
            }
        }
    }
    return 0
}
