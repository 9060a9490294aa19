import Foundation

/// Secrets given a name: `password = "…"`, `"api_key": "…"`, `PGPASSWORD=…`, `Password=…;` in a connection
/// string, `PASSWORD '…'` in SQL, `AccountKey=…` of Azure storage, `aws_secret_access_key = …`.
///
/// The shape is gitleaks' `generic-api-key` rule (config/gitleaks.toml, commit b58d3f1): a name holding a
/// keyword, an assignment operator (`=`, `:`, `:=`, `::=`, `=>`, `?=`, and comparisons), then the value.
/// Two kinds of name:
/// - names of a password, secret, token or key (`password`, `passwd`, `pwd`, `secret`, `token`,
///   `credential`, `api_key`, `private_key`, `access_key`): any quoted value is masked whatever it looks like
///   (`"hunter2"` is a password), and an unquoted one unless it reads as code (a variable, a call, a
///   reference such as `$PGPASSWORD` or `${…}`, `null`);
/// - the looser keywords of gitleaks (`key`, `access`, `auth`, `creds`, `api`), and the first kind when the
///   name ends in `_id`, `_name`, `_url`, `_type` and the like: the value is masked only when it looks
///   random, as gitleaks decides it: 10 or more characters of `[\w.=+/~-]`, not only letters and `_.-`, and a
///   Shannon entropy of at least 3.5 bits per character (so `key: 'legacy_status'` stays readable).
enum SecretAssignments {
    /// Keywords that make any value a secret.
    static let strongKeywords = [
        "passw", "pwd", "passphrase", "secret", "token", "credential", "apikey", "api_key", "api-key",
        "privatekey", "private_key", "private-key", "accesskey", "access_key", "access-key",
    ].map { Array($0.utf8) }
    /// gitleaks' remaining keywords: a value counts only when it looks random.
    static let weakKeywords = ["key", "access", "auth", "creds"].map { Array($0.utf8) }
    /// The last word of a name that says the value is not the secret itself (gitleaks' allowlist has most).
    static let descriptiveEndings: Set<String> = [
        "id", "ids", "name", "names", "url", "uri", "urls", "path", "file", "filename", "dir", "length", "len",
        "size", "type", "types", "field", "fields", "column", "col", "endpoint", "label", "prompt", "policy",
        "count", "min", "max", "required", "pattern", "regex", "format", "hint", "placeholder", "message",
        "error", "errors", "enabled", "expires", "expiry", "expiration", "ttl", "version", "header", "param",
        "class", "mode", "strategy", "scheme", "algorithm", "store", "vault", "kind",
    ]
    /// Names that look like a keyword but hold public values (gitleaks: `csrf_token`, `public_key`, …).
    static let publicMarkers = ["csrf", "xsrf", "public", "publishable"].map { Array($0.utf8) }
    /// Unquoted values that are code, not a secret.
    static let codeWords: Set<String> = [
        "null", "nil", "none", "true", "false", "undefined", "default", "string", "str", "text", "int", "bool",
        "varchar", "bytes", "optional", "any", "self", "this",
    ]

    enum Strength { case strong, weak }

    static func scan(_ line: UnsafeRawBufferPointer, into found: inout [Range<Int>]) {
        let count = line.count
        var index = 0
        while index < count {
            guard isNameByte(line[index]) else {
                index += 1
                continue
            }
            var end = index
            while end < count && isNameByte(line[end]) { end += 1 }
            if end - index <= 80, let strength = strength(ofName: line, index..<end),
                let value = value(after: index..<end, in: line, strength: strength)
            {
                if value.isSecret { found.append(value.range) }
                // Scanning goes on after the value, masked or not, so that no byte is read as a value twice
                // (`key=key=key=…` stays linear).
                index = max(value.range.upperBound, end)
                continue
            }
            index = end
        }
    }

    static func isNameByte(_ byte: UInt8) -> Bool { SecretMasker.isWord(byte) || byte == 0x2D || byte == 0x2E }

    /// Whether a name (a run of `[\w.-]`) names a secret, and how surely.
    static func strength(ofName line: UnsafeRawBufferPointer, _ range: Range<Int>) -> Strength? {
        let folded = range.map { SecretMasker.fold(line[$0]) }
        func holds(_ keyword: [UInt8]) -> Bool {
            guard folded.count >= keyword.count else { return false }
            for start in 0...(folded.count - keyword.count) where folded[start] == keyword[0] {
                if Array(folded[start..<start + keyword.count]) == keyword { return true }
            }
            return false
        }
        // gitleaks: `(?-i:[Aa]pi|API)`, the only keyword whose case counts.
        var namesAPI = false
        for start in range.lowerBound..<max(range.lowerBound, range.upperBound - 2) {
            let (a, p, i) = (line[start], line[start + 1], line[start + 2])
            if (a == 0x61 || a == 0x41) && p == 0x70 && i == 0x69 || (a == 0x41 && p == 0x50 && i == 0x49) {
                namesAPI = true
            }
        }
        if strongKeywords.contains(where: holds) {
            if publicMarkers.contains(where: holds) || descriptiveEndings.contains(lastWord(line, range)) {
                return .weak
            }
            return .strong
        }
        return namesAPI || weakKeywords.contains(where: holds) ? .weak : nil
    }

    /// The last word of a name: after its last `_`, `-` or `.`, or its last lower-to-upper case change.
    static func lastWord(_ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        var start = range.lowerBound
        for index in range {
            let byte = line[index]
            if byte == 0x5F || byte == 0x2D || byte == 0x2E {
                start = index + 1
            } else if index > range.lowerBound, SecretMasker.isUpper(byte),
                line[index - 1] >= 0x61 && line[index - 1] <= 0x7A
            {
                start = index
            }
        }
        return String(decoding: (start..<range.upperBound).map { SecretMasker.fold(line[$0]) }, as: UTF8.self)
    }

    /// The value assigned to the name at `name`, and whether it is a secret; `nil` when nothing is assigned.
    static func value(after name: Range<Int>, in line: UnsafeRawBufferPointer, strength: Strength) -> (
        range: Range<Int>, isSecret: Bool
    )? {
        let count = line.count
        var cursor = name.upperBound
        // A quoted name (`"password": …`) closes its quote first.
        if cursor < count, name.lowerBound > 0, SecretMasker.isQuote(line[cursor]),
            line[cursor] == line[name.lowerBound - 1]
        {
            cursor += 1
        }
        let afterName = cursor
        while cursor < count && (line[cursor] == 0x20 || line[cursor] == 0x09) { cursor += 1 }
        guard cursor < count else { return nil }
        let operatorLength = assignmentOperator(line, at: cursor)
        if operatorLength == 0 {
            // SQL: `PASSWORD 'secret'` (CREATE/ALTER ROLE, dblink and FDW options).
            guard strength == .strong, cursor > afterName, line[cursor] == 0x27 else { return nil }
        }
        cursor += operatorLength
        while cursor < count && (line[cursor] == 0x20 || line[cursor] == 0x09) { cursor += 1 }
        guard cursor < count else { return nil }
        // Python's string prefixes: f"…", r'…', b"…".
        if cursor + 1 < count, SecretMasker.isQuote(line[cursor + 1]),
            [0x66, 0x72, 0x62, 0x75, 0x46, 0x52, 0x42, 0x55].contains(line[cursor])
        {
            cursor += 1
        }
        if SecretMasker.isQuote(line[cursor]) {
            let quote = line[cursor]
            let start = cursor + 1
            var end = start
            while end < count && line[end] != quote { end += line[end] == 0x5C ? 2 : 1 }
            let content = start..<min(end, count)
            guard !content.isEmpty, !isQuotedReference(line, content) else { return (content, false) }
            switch strength {
            case .strong: return (content, true)
            case .weak: return (content, looksRandom(line, content))
            }
        }
        switch strength {
        case .strong:
            var end = cursor
            while end < count && !endsUnquotedValue(line[end]) { end += 1 }
            let value = cursor..<end
            return (value, !value.isEmpty && !isReference(line, value) && !readsAsCode(line, value))
        case .weak:
            var end = cursor
            while end < count && isValueByte(line[end]) { end += 1 }
            let value = cursor..<end
            let isCall = end < count && (line[end] == 0x28 || line[end] == 0x5B)
            return (value, !isCall && looksRandom(line, value))
        }
    }

    /// The length of an assignment or comparison operator at `index` (0 when there is none).
    static func assignmentOperator(_ line: UnsafeRawBufferPointer, at index: Int) -> Int {
        let count = line.count
        func at(_ offset: Int) -> UInt8 { index + offset < count ? line[index + offset] : 0 }
        switch line[index] {
        case 0x3D:  // =, ==, ===, =>
            if at(1) == 0x3E { return 2 }
            if at(1) == 0x3D { return at(2) == 0x3D ? 3 : 2 }
            return 1
        case 0x3A:  // :, :=, ::=
            if at(1) == 0x3D { return 2 }
            if at(1) == 0x3A { return at(2) == 0x3D ? 3 : 0 }
            return 1
        case 0x3F, 0x21:  // ?=, !=
            return at(1) == 0x3D ? 2 : 0
        default:
            return 0
        }
    }

    /// Ends an unquoted value: white space, quotes and the punctuation around values in code and
    /// connection strings.
    static func endsUnquotedValue(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D, 0x22, 0x27, 0x60, 0x3B, 0x26, 0x2C, 0x28, 0x29, 0x5B, 0x5D, 0x7B, 0x7D, 0x3C,
            0x3E:
            return true
        default:
            return false
        }
    }

    /// gitleaks' value characters: `[\w.=-]` and `[a-z0-9+/]`, and `~` (Azure client secrets).
    static func isValueByte(_ byte: UInt8) -> Bool {
        SecretMasker.isWord(byte) || byte == 0x2E || byte == 0x3D || byte == 0x2D || byte == 0x2B || byte == 0x2F
            || byte == 0x7E
    }

    /// A quoted value that refers to a secret kept elsewhere: `"$PGPASSWORD"`, `"${…}"`, `"$(…)"`, `"{{ … }}"`,
    /// `"%(name)s"`, `"%s"`, `"#{…}"`. Any other quoted value is the secret itself.
    static func isQuotedReference(_ line: UnsafeRawBufferPointer, _ value: Range<Int>) -> Bool {
        let first = line[value.lowerBound]
        let second: UInt8 = value.count > 1 ? line[value.lowerBound + 1] : 0
        switch (first, second) {
        case (0x24, 0x7B), (0x24, 0x28), (0x7B, 0x7B), (0x25, 0x28), (0x25, 0x73), (0x23, 0x7B): return true
        case (0x24, _):
            // `$NAME`: an environment variable, in upper case.
            return value.count > 1
                && value.dropFirst().allSatisfy {
                    SecretMasker.isUpper(line[$0]) || SecretMasker.isDigit(line[$0]) || line[$0] == 0x5F
                }
        default: return false
        }
    }

    /// An unquoted value that refers to something else: `$PGPASSWORD`, `${…}`, `%s`, `{…}`, `:name`, `?`,
    /// `@password`, `*`, `#{…}`.
    static func isReference(_ line: UnsafeRawBufferPointer, _ value: Range<Int>) -> Bool {
        switch line[value.lowerBound] {
        case 0x24, 0x25, 0x7B, 0x3A, 0x3F, 0x40, 0x2A: return true
        case 0x23: return value.count > 1 && line[value.lowerBound + 1] == 0x7B
        default: return false
        }
    }

    /// An unquoted value that is code: a variable or attribute path followed by a call, an index or the end of
    /// an argument (`password=pw,`, `password: user.password`), or a word such as `null` or `String`.
    static func readsAsCode(_ line: UnsafeRawBufferPointer, _ value: Range<Int>) -> Bool {
        let folded = String(decoding: value.map { SecretMasker.fold(line[$0]) }, as: UTF8.self)
        if codeWords.contains(folded) { return true }
        let first = line[value.lowerBound]
        guard SecretMasker.isLetter(first) || first == 0x5F else { return false }
        var hasDot = false
        for index in value {
            let byte = line[index]
            if byte == 0x2E {
                guard index + 1 < value.upperBound, SecretMasker.isLetter(line[index + 1]) || line[index + 1] == 0x5F
                else { return false }
                hasDot = true
            } else if !SecretMasker.isWord(byte) {
                return false
            }
        }
        if hasDot { return true }
        guard value.upperBound < line.count else { return false }
        switch line[value.upperBound] {
        case 0x28, 0x5B, 0x2C, 0x29, 0x5D, 0x7D: return true
        default: return false
        }
    }

    /// gitleaks' test for a random value: 10 or more value characters, not only letters and `_.-`, and a
    /// Shannon entropy of at least 3.5 bits per character.
    static func looksRandom(_ line: UnsafeRawBufferPointer, _ value: Range<Int>) -> Bool {
        guard value.count >= 10 else { return false }
        var onlyLetters = true
        var counts = [Int](repeating: 0, count: 256)
        for index in value {
            let byte = line[index]
            guard isValueByte(byte) else { return false }
            if !(SecretMasker.isLetter(byte) || byte == 0x5F || byte == 0x2E || byte == 0x2D) { onlyLetters = false }
            counts[Int(byte)] += 1
        }
        if onlyLetters { return false }
        return entropy(counts, total: value.count) >= 3.5
    }

    /// Shannon entropy, in bits per character.
    static func entropy(_ counts: [Int], total: Int) -> Double {
        var bits = 0.0
        for count in counts where count > 0 {
            let share = Double(count) / Double(total)
            bits -= share * log2(share)
        }
        return bits
    }
}
