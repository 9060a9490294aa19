/// Finds secrets in one line of source, on bytes, so that a snippet can show the code without them.
///
/// The shapes are those of gitleaks' rules (config/gitleaks.toml of github.com/gitleaks/gitleaks at commit
/// b58d3f1, July 2026), rewritten here as byte scanners that cannot backtrack: every scanner moves forward
/// over the line once, so a line of any length costs time in proportion to it. The rules: `aws-access-token`,
/// `gcp-api-key`, `github-pat`/`-oauth`/`-app-token`/`-refresh-token`/`-fine-grained-pat`, the `gitlab-*`
/// tokens, the `slack-*` tokens, `stripe-access-token`, `jwt`, `private-key` and `generic-api-key` (in
/// `SecretAssignments.swift`). Added for what gitleaks leaves to other tools: card numbers (Luhn check),
/// passwords in URLs (`postgres://user:pass@host`) and Azure storage account keys (88 characters of base64).
///
/// Masking errs towards hiding: a masked value shows as `***`, a token keeps its documented prefix
/// (`AKIA***`, `ghp_***`) so that a reader still sees what kind of secret the line held. Only the lines that
/// become snippets go through here, never the scan's hot path.
enum SecretMasker {
    static let mask: [UInt8] = Array("***".utf8)

    /// `line` with every secret replaced by `***`.
    static func masked(_ line: ArraySlice<UInt8>) -> [UInt8] {
        let spans = line.withUnsafeBytes { Self.spans(in: $0) }
        guard !spans.isEmpty else { return Array(line) }
        var output: [UInt8] = []
        output.reserveCapacity(line.count)
        var copied = line.startIndex
        for span in spans {
            output.append(contentsOf: line[copied..<(line.startIndex + span.lowerBound)])
            output.append(contentsOf: mask)
            copied = line.startIndex + span.upperBound
        }
        output.append(contentsOf: line[copied...])
        return output
    }

    /// The byte ranges of `line` that hold a secret, sorted, merged where they touch.
    static func spans(in line: UnsafeRawBufferPointer) -> [Range<Int>] {
        var found: [Range<Int>] = []
        scanTokens(line, into: &found)
        scanCardNumbers(line, into: &found)
        scanBase64Keys(line, into: &found)
        SecretAssignments.scan(line, into: &found)
        found.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for span in found where !span.isEmpty {
            if let last = merged.last, span.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
            } else {
                merged.append(span)
            }
        }
        return merged
    }

    // MARK: Tokens with a documented prefix

    /// The characters a token's body may hold.
    enum Body {
        /// `[A-Z2-7]` (AWS key ids are base32).
        case base32
        /// `[A-Za-z0-9]`
        case alphanumeric
        /// `[A-Za-z0-9_]`
        case word
        /// `[A-Za-z0-9_-]`
        case wordDash
        /// `[A-Za-z0-9_.-]`
        case wordDashDot
        /// `[A-Za-z0-9-]`
        case alphanumericDash

        func admits(_ byte: UInt8) -> Bool {
            switch self {
            case .base32: return isUpper(byte) || (byte >= 0x32 && byte <= 0x37)
            case .alphanumeric: return isAlphanumeric(byte)
            case .word: return isWord(byte)
            case .wordDash: return isWord(byte) || byte == 0x2D
            case .wordDashDot: return isWord(byte) || byte == 0x2D || byte == 0x2E
            case .alphanumericDash: return isAlphanumeric(byte) || byte == 0x2D
            }
        }
    }

    /// A token: a fixed prefix, then a body of at least `minimum` (and at most `maximum`) characters.
    struct TokenShape {
        let prefix: [UInt8]
        let body: Body
        let minimum: Int
        let maximum: Int
        /// The token must not touch a word character on either side (gitleaks' `\b`).
        let bounded: Bool

        init(_ prefix: String, _ body: Body, _ minimum: Int, maximum: Int = Int.max, bounded: Bool = false) {
            self.prefix = Array(prefix.utf8)
            self.body = body
            self.minimum = minimum
            self.maximum = maximum
            self.bounded = bounded
        }
    }

    /// gitleaks' token rules, by their prefix (the rule ids are in the type's comment).
    static let tokenShapes: [TokenShape] = {
        var shapes: [TokenShape] = []
        // aws-access-token: \b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b
        for prefix in ["AKIA", "ASIA", "ABIA", "ACCA"] {
            shapes.append(TokenShape(prefix, .base32, 16, maximum: 16, bounded: true))
        }
        // gcp-api-key: AIza[\w-]{35}
        shapes.append(TokenShape("AIza", .wordDash, 35))
        // github-pat, github-oauth, github-app-token, github-refresh-token: gh[pousr]_[0-9a-zA-Z]{36}
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] { shapes.append(TokenShape(prefix, .alphanumeric, 36)) }
        // github-fine-grained-pat: github_pat_\w{82}
        shapes.append(TokenShape("github_pat_", .word, 82))
        // gitlab-pat (and its routable form with a dot), -deploy-token, -feed-token, -runner-…, -scim-token, …
        shapes.append(TokenShape("glpat-", .wordDashDot, 20))
        for prefix in ["gldt-", "glft-", "glrt-", "glsoat-", "glffct-"] {
            shapes.append(TokenShape(prefix, .wordDash, 20))
        }
        shapes.append(TokenShape("glcbt-", .wordDash, 22))
        shapes.append(TokenShape("glimt-", .wordDash, 25))
        shapes.append(TokenShape("glptt-", .wordDash, 40))
        shapes.append(TokenShape("glagent-", .wordDash, 50))
        shapes.append(TokenShape("gloas-", .wordDash, 64))
        // slack-bot-token, -user-token, -legacy-*, -config-*, -app-token: xox[abeoprs]-…, xoxe.xox[bp]-…, xapp-…
        // (the shortest body any of them accepts is 8 characters of [A-Za-z0-9-]).
        for letter in ["a", "b", "e", "o", "p", "r", "s"] {
            shapes.append(TokenShape("xox\(letter)-", .alphanumericDash, 8))
        }
        shapes.append(TokenShape("xoxe.xoxb-", .alphanumericDash, 8))
        shapes.append(TokenShape("xoxe.xoxp-", .alphanumericDash, 8))
        shapes.append(TokenShape("xapp-", .alphanumericDash, 8))
        // stripe-access-token: \b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})
        for kind in ["sk", "rk"] {
            for mode in ["test", "live", "prod"] {
                shapes.append(TokenShape("\(kind)_\(mode)_", .alphanumeric, 10, maximum: 99, bounded: true))
            }
        }
        return shapes
    }()

    /// For each first byte, the shapes whose prefix starts with it.
    static let shapesByFirstByte: [[Int]] = {
        var table = [[Int]](repeating: [], count: 256)
        for (index, shape) in tokenShapes.enumerated() { table[Int(shape.prefix[0])].append(index) }
        return table
    }()

    /// Prefix tokens, JWTs, private-key blocks and URL passwords.
    static func scanTokens(_ line: UnsafeRawBufferPointer, into found: inout [Range<Int>]) {
        let count = line.count
        var index = 0
        while index < count {
            let byte = line[index]
            if let end = token(line, at: index, into: &found) {
                index = end
                continue
            }
            if byte == UInt8(ascii: "e"), let end = jsonWebToken(line, at: index) {
                found.append(index..<end)
                index = end
                continue
            }
            if byte == UInt8(ascii: "-"), let end = privateKeyBlock(line, at: index, into: &found) {
                index = end
                continue
            }
            if byte == UInt8(ascii: ":"), let end = urlPassword(line, at: index, into: &found) {
                index = end
                continue
            }
            index += 1
        }
    }

    /// A prefix token starting at `index`: its body is recorded, and the index after it returned.
    static func token(_ line: UnsafeRawBufferPointer, at index: Int, into found: inout [Range<Int>]) -> Int? {
        let candidates = shapesByFirstByte[Int(line[index])]
        if candidates.isEmpty { return nil }
        for shapeIndex in candidates {
            let shape = tokenShapes[shapeIndex]
            guard startsWith(line, at: index, shape.prefix) else { continue }
            if shape.bounded && index > 0 && isWord(line[index - 1]) { continue }
            let bodyStart = index + shape.prefix.count
            var end = bodyStart
            // A body longer than the shape allows is no match; reading one past the maximum tells.
            let limit = shape.maximum == Int.max ? line.count : min(line.count, bodyStart + shape.maximum + 1)
            while end < limit && shape.body.admits(line[end]) { end += 1 }
            let length = end - bodyStart
            guard length >= shape.minimum, length <= shape.maximum else { continue }
            if shape.bounded && end < line.count && isWord(line[end]) { continue }
            found.append(bodyStart..<end)
            return end
        }
        return nil
    }

    /// A JSON Web Token (gitleaks' `jwt`): `\bey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9\/\\_-]{17,}\.` and the signature
    /// after it, if any. Returns the index after the token.
    static func jsonWebToken(_ line: UnsafeRawBufferPointer, at index: Int) -> Int? {
        if index > 0 && isWord(line[index - 1]) { return nil }
        let segment = { (byte: UInt8) in isWord(byte) || byte == 0x2D || byte == 0x2F || byte == 0x5C }
        guard startsWith(line, at: index, Self.ey) else { return nil }
        var end = index + 2
        while end < line.count && isAlphanumeric(line[end]) { end += 1 }
        guard end - index >= 19, end < line.count, line[end] == 0x2E else { return nil }
        let payload = end + 1
        guard startsWith(line, at: payload, Self.ey) else { return nil }
        end = payload + 2
        while end < line.count && segment(line[end]) { end += 1 }
        guard end - payload >= 19, end < line.count, line[end] == 0x2E else { return nil }
        end += 1
        while end < line.count && segment(line[end]) { end += 1 }
        var padding = 0
        while end < line.count && line[end] == UInt8(ascii: "=") && padding < 2 {
            end += 1
            padding += 1
        }
        return end
    }

    static let ey = Array("ey".utf8)
    static let pemBegin = Array("-----begin".utf8)
    static let pemEnd = Array("-----end".utf8)
    static let dashes = Array("-----".utf8)
    static let privateKey = Array("private key".utf8)
    static let privateKeyBlock = Array("private key block".utf8)

    /// A private key (gitleaks' `private-key`: `-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`): the
    /// armour lines stay, what lies between them on this line (or up to its end, when the block goes on over
    /// the next lines) is masked. Returns the index after the header.
    static func privateKeyBlock(_ line: UnsafeRawBufferPointer, at index: Int, into found: inout [Range<Int>])
        -> Int?
    {
        guard startsWithFolded(line, at: index, pemBegin) else { return nil }
        let labelStart = index + pemBegin.count
        var labelEnd = labelStart
        while labelEnd < line.count && labelEnd - labelStart <= 118 {
            let byte = line[labelEnd]
            guard byte == 0x20 || byte == 0x2D || byte == 0x5F || isAlphanumeric(byte) else { return nil }
            if startsWith(line, at: labelEnd, dashes) { break }
            labelEnd += 1
        }
        guard startsWith(line, at: labelEnd, dashes),
            endsWithFolded(line, labelStart..<labelEnd, privateKey)
                || endsWithFolded(line, labelStart..<labelEnd, privateKeyBlock)
        else { return nil }
        let bodyStart = labelEnd + dashes.count
        var bodyEnd = bodyStart
        while bodyEnd < line.count && !startsWithFolded(line, at: bodyEnd, pemEnd) { bodyEnd += 1 }
        if bodyEnd == line.count {
            // The block goes on below: leave the closing quote and punctuation of the line visible.
            while bodyEnd > bodyStart && isClosing(line[bodyEnd - 1]) { bodyEnd -= 1 }
        }
        if bodyEnd > bodyStart { found.append(bodyStart..<bodyEnd) }
        return bodyEnd
    }

    /// The password of a URL's user information (`scheme://user:password@host`), up to the last `@` before the
    /// path, so that a password holding an unescaped `@` is masked whole. `index` is at the `:` of `://`.
    static func urlPassword(_ line: UnsafeRawBufferPointer, at index: Int, into found: inout [Range<Int>]) -> Int? {
        guard index + 2 < line.count, line[index + 1] == 0x2F, line[index + 2] == 0x2F else { return nil }
        var schemeStart = index
        while schemeStart > 0 {
            let byte = line[schemeStart - 1]
            guard isAlphanumeric(byte) || byte == 0x2B || byte == 0x2E || byte == 0x2D else { break }
            schemeStart -= 1
        }
        guard schemeStart < index, isLetter(line[schemeStart]) else { return nil }
        var cursor = index + 3
        while cursor < line.count, !endsAuthority(line[cursor]), line[cursor] != 0x3A, line[cursor] != 0x40 {
            cursor += 1
        }
        guard cursor < line.count, line[cursor] == 0x3A else { return nil }
        let passwordStart = cursor + 1
        var lastAt: Int?
        cursor = passwordStart
        while cursor < line.count && !endsAuthority(line[cursor]) {
            if line[cursor] == 0x40 { lastAt = cursor }
            cursor += 1
        }
        guard let lastAt, lastAt > passwordStart else { return nil }
        found.append(passwordStart..<lastAt)
        return lastAt
    }

    // MARK: Bytes

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isLetter(_ byte: UInt8) -> Bool { byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A }
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
    static func isWord(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == 0x5F }
    static func isBase64(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == 0x2B || byte == 0x2F }
    static func isQuote(_ byte: UInt8) -> Bool { byte == 0x22 || byte == 0x27 || byte == 0x60 }
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
    static func isClosing(_ byte: UInt8) -> Bool {
        isQuote(byte) || isSpace(byte) || byte == 0x2C || byte == 0x3B || byte == 0x29 || byte == 0x5C
    }
    /// Ends a URL's authority (user information and host).
    static func endsAuthority(_ byte: UInt8) -> Bool {
        isSpace(byte) || isQuote(byte) || byte == 0x2F || byte == 0x3F || byte == 0x23 || byte == 0x3C
            || byte == 0x3E
    }

    static func startsWith(_ line: UnsafeRawBufferPointer, at index: Int, _ prefix: [UInt8]) -> Bool {
        guard index + prefix.count <= line.count else { return false }
        for offset in 0..<prefix.count where line[index + offset] != prefix[offset] { return false }
        return true
    }

    /// Compares ASCII letters without case; `prefix` is lower case.
    static func startsWithFolded(_ line: UnsafeRawBufferPointer, at index: Int, _ prefix: [UInt8]) -> Bool {
        guard index + prefix.count <= line.count else { return false }
        for offset in 0..<prefix.count where fold(line[index + offset]) != prefix[offset] { return false }
        return true
    }

    static func endsWithFolded(_ line: UnsafeRawBufferPointer, _ range: Range<Int>, _ suffix: [UInt8]) -> Bool {
        range.count >= suffix.count && startsWithFolded(line, at: range.upperBound - suffix.count, suffix)
    }

    static func fold(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte | 0x20 : byte }
}
