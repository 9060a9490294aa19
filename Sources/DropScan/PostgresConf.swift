import Foundation

/// The settings of a `postgresql.conf`, read as PostgreSQL reads it: `name = value` or `name value`, `#`
/// comments, values quoted with `'…'` (a quote doubled or backslash-escaped inside), names case-insensitive,
/// `include`, `include_if_exists` and `include_dir` followed (relative to the including file), and the
/// last setting of a name winning.
public struct PostgresConf: Sendable {
    /// Settings by lower-cased name.
    public private(set) var settings: [String: String] = [:]

    /// Why a configuration file cannot be used, naming the file and line.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads `path` and the files it includes.
    public static func load(path: String) throws(LoadError) -> PostgresConf {
        var conf = PostgresConf()
        try conf.read(path, depth: 0, required: true)
        return conf
    }

    /// Parses configuration text (no includes are followed).
    public static func parse(_ text: String, name: String = "postgresql.conf") throws(LoadError) -> PostgresConf {
        var conf = PostgresConf()
        try conf.apply(text, file: name, depth: 0)
        return conf
    }

    private mutating func read(_ path: String, depth: Int, required: Bool) throws(LoadError) {
        guard depth < 10 else {
            throw LoadError(description: "\(path): includes nested more than 10 deep (a file includes itself?)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            if required { throw LoadError(description: "cannot read the PostgreSQL configuration file \(path)") }
            return
        }
        try apply(String(decoding: data, as: UTF8.self), file: path, depth: depth)
    }

    private mutating func apply(_ text: String, file: String, depth: Int) throws(LoadError) {
        let directory = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
        }
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let place = "\(file):\(index + 1)"
            guard let (name, value) = try Self.parseLine(Array(rawLine.utf8), place: place) else { continue }
            switch name {
            case "include":
                try read(resolve(value), depth: depth + 1, required: true)
            case "include_if_exists":
                try read(resolve(value), depth: depth + 1, required: false)
            case "include_dir":
                let folder = resolve(value)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                for name in names.sorted() where name.hasSuffix(".conf") && !name.hasPrefix(".") {
                    try read(folder + "/" + name, depth: depth + 1, required: true)
                }
            default:
                settings[name] = value
            }
        }
    }

    /// One line: `nil` for a blank or comment line, else the lower-cased name and the value.
    static func parseLine(_ line: [UInt8], place: String) throws(LoadError) -> (String, String)? {
        var index = 0
        func skipSpaces() {
            while index < line.count, line[index] == 32 || line[index] == 9 || line[index] == 13 { index += 1 }
        }
        skipSpaces()
        guard index < line.count, line[index] != UInt8(ascii: "#") else { return nil }
        let nameStart = index
        while index < line.count, isNameByte(line[index]) { index += 1 }
        guard index > nameStart else {
            throw LoadError(description: "\(place): syntax error: expected a parameter name")
        }
        let name = String(decoding: line[nameStart..<index], as: UTF8.self).lowercased()
        skipSpaces()
        if index < line.count, line[index] == UInt8(ascii: "=") { index += 1 }
        skipSpaces()
        var value: [UInt8] = []
        if index < line.count, line[index] == UInt8(ascii: "'") {
            index += 1
            var closed = false
            while index < line.count {
                let byte = line[index]
                if byte == UInt8(ascii: "'") {
                    if index + 1 < line.count, line[index + 1] == UInt8(ascii: "'") {
                        value.append(byte)
                        index += 2
                        continue
                    }
                    closed = true
                    index += 1
                    break
                }
                if byte == UInt8(ascii: "\\"), index + 1 < line.count {
                    let next = line[index + 1]
                    switch next {
                    case UInt8(ascii: "n"): value.append(10)
                    case UInt8(ascii: "t"): value.append(9)
                    case UInt8(ascii: "r"): value.append(13)
                    case UInt8(ascii: "b"): value.append(8)
                    case UInt8(ascii: "f"): value.append(12)
                    default: value.append(next)
                    }
                    index += 2
                    continue
                }
                value.append(byte)
                index += 1
            }
            guard closed else { throw LoadError(description: "\(place): unterminated quoted string") }
        } else {
            while index < line.count, line[index] != 32, line[index] != 9, line[index] != 13,
                line[index] != UInt8(ascii: "#")
            {
                value.append(line[index])
                index += 1
            }
        }
        skipSpaces()
        guard index == line.count || line[index] == UInt8(ascii: "#") else {
            throw LoadError(description: "\(place): syntax error after the value of \(name)")
        }
        return (name, String(decoding: value, as: UTF8.self))
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        byte &- 48 <= 9 || (byte | 0x20) &- 97 <= 25 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-")
    }
}
