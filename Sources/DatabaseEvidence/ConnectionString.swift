import CPq
import Foundation

/// A `--database` value as libpq will read it, and what of it must never be shown: the password (in a URL's
/// user information, a `password=` pair or a URL parameter) and the string itself. Messages from libpq pass
/// through `scrub` before anyone sees them.
struct ConnectionString: Sendable {
    /// `host:port/dbname` when the string says so, else the label the caller gave (`--database 1`).
    let label: String
    /// libpq's message when it cannot read the string (`PQconninfoParse`).
    let parseError: String?
    private let text: String
    private let secrets: [String]

    init(_ text: String, label fallback: String) {
        self.text = text
        var secrets = Self.writtenPasswords(text)
        var label = fallback
        var parseError: String?
        let lower = text.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") || text.contains("=") {
            var message: UnsafeMutablePointer<CChar>?
            if let options = PQconninfoParse(text, &message) {
                var values: [String: String] = [:]
                var option = options
                while let keyword = option.pointee.keyword {
                    if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
                    option += 1
                }
                PQconninfoFree(options)
                if let password = values["password"], !password.isEmpty { secrets.append(password) }
                if let host = values["host"] ?? values["hostaddr"] {
                    label = "\(host)\(values["port"].map { ":" + $0 } ?? "")/\(values["dbname"] ?? "")"
                }
            } else {
                parseError = message.map { String(cString: $0) } ?? "unreadable"
                if let message { PQfreemem(message) }
            }
        }
        self.secrets = secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        self.label = label
        self.parseError = parseError
    }

    /// `message` on one line, without the connection string or any password in it, and without libpq's
    /// "connection to server at … failed:" preamble (the server is named by the caller).
    func scrub(_ message: String) -> String {
        var line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        if let range = line.range(of: #"^connection to server (at|on) .*? failed: "#, options: .regularExpression) {
            line.removeSubrange(range)
        }
        if !text.isEmpty { line = line.replacingOccurrences(of: text, with: "(the connection string)") }
        for secret in secrets {
            if secret.count < 3 {
                // Too short to replace without mangling the rest: nothing of libpq's wording is kept.
                if line.contains(secret) { return "libpq's message is withheld, as it may hold the password" }
            }
            line = line.replacingOccurrences(of: secret, with: "***")
        }
        while line.hasSuffix(".") { line.removeLast() }
        return line
    }

    /// Passwords as written in the text, percent-encoded and decoded, whether or not libpq can read it:
    /// a URL's `user:password@`, `password=value` (a key/value pair or a URL parameter).
    static func writtenPasswords(_ text: String) -> [String] {
        var found: [String] = []
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                found.append(String(authority[authority.index(after: colon)..<at]))
            }
        }
        var search = text[...]
        while let key = search.range(of: "password", options: .caseInsensitive) {
            var index = key.upperBound
            while index < search.endIndex && search[index] == " " { index = search.index(after: index) }
            search = search[key.upperBound...]
            guard index < search.endIndex, search[index] == "=" else { continue }
            index = search.index(after: index)
            while index < search.endIndex && search[index] == " " { index = search.index(after: index) }
            var value = ""
            if index < search.endIndex && search[index] == "'" {
                index = search.index(after: index)
                while index < search.endIndex && search[index] != "'" {
                    if search[index] == "\\" { index = search.index(after: index) }
                    if index < search.endIndex { value.append(search[index]) }
                    if index < search.endIndex { index = search.index(after: index) }
                }
            } else {
                while index < search.endIndex && !search[index].isWhitespace && search[index] != "&" {
                    value.append(search[index])
                    index = search.index(after: index)
                }
            }
            found.append(value)
        }
        return found + found.compactMap { $0.removingPercentEncoding }.filter { !found.contains($0) }
    }
}
