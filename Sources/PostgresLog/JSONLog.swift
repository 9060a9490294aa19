/// Reads the top-level keys of one jsonlog object in `bytes[start..<end]`, filling the layout with the
/// ranges of the string values (inside the quotes) and the eager fields.
///
/// - Returns: `true` when the text is a JSON object with a `timestamp` key, `nil`/`false` otherwise.
func parseJSONObject(
    _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ layout: inout EntryLayout, _ timestamp: inout Int64?,
    _ pid: inout Int32?, _ severity: inout LogSeverity
) -> Bool? {
    var index = start
    @inline(__always) func skipSpace() {
        while index < end, bytes[index] == 32 || bytes[index] == 9 || bytes[index] == 13 { index += 1 }
    }
    skipSpace()
    guard index < end, bytes[index] == UInt8(ascii: "{") else { return nil }
    index += 1
    var sawTimestamp = false
    while true {
        skipSpace()
        guard index < end else { return nil }
        if bytes[index] == UInt8(ascii: "}") { break }
        guard bytes[index] == UInt8(ascii: "\"") else { return nil }
        let keyStart = index + 1
        let keyEnd = find(UInt8(ascii: "\""), bytes, from: keyStart, end: end)
        guard keyEnd < end else { return nil }
        index = keyEnd + 1
        skipSpace()
        guard index < end, bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        skipSpace()
        guard index < end else { return nil }
        var valueStart = index
        var valueEnd: Int
        if bytes[index] == UInt8(ascii: "\"") {
            valueStart = index + 1
            let k = jsonStringEnd(bytes, from: valueStart, end: end)
            guard k < end else { return nil }
            valueEnd = k
            index = k + 1
        } else {
            var k = index
            var depth = 0
            while k < end {
                let byte = bytes[k]
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                    depth += 1
                } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    if depth == 0 { break }
                    depth -= 1
                } else if byte == UInt8(ascii: ","), depth == 0 {
                    break
                }
                k += 1
            }
            valueEnd = k
            while valueEnd > valueStart, bytes[valueEnd - 1] == 32 { valueEnd -= 1 }
            index = k
        }
        let keyLength = keyEnd - keyStart
        @inline(__always) func key(_ name: StaticString) -> Bool {
            guard name.utf8CodeUnitCount == keyLength else { return false }
            return name.withUTF8Buffer { name in
                for i in 0..<keyLength where name[i] != bytes[keyStart + i] { return false }
                return true
            }
        }
        func put(_ field: EntryField) { layout.set(field, valueStart - start, valueEnd - start) }
        switch keyLength {
        case 3 where key("pid"):
            var value: Int32 = 0
            for k in valueStart..<valueEnd where bytes[k] &- 48 <= 9 { value = value &* 10 &+ Int32(bytes[k] - 48) }
            pid = value
        case 4 where key("user"): put(.user)
        case 4 where key("hint"): put(.hint)
        case 6 where key("dbname"): put(.database)
        case 7 where key("message"): put(.message)
        case 6 where key("detail"): put(.detail)
        case 7 where key("context"): put(.context)
        case 9 where key("statement"): put(.statement)
        case 9 where key("timestamp"):
            sawTimestamp = true
            timestamp = LogTimestamp.parse(bytes, at: valueStart, end: valueEnd)?.milliseconds
        case 10 where key("session_id"): put(.session)
        case 10 where key("state_code"): put(.sqlState)
        case 11 where key("remote_host"): put(.host)
        case 14 where key("error_severity"): severity = PostgresLog.severity(of: bytes, valueStart, valueEnd)
        case 14 where key("internal_query"): put(.internalQuery)
        case 16 where key("application_name"): put(.application)
        default: break
        }
        skipSpace()
        guard index < end else { return nil }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            continue
        }
        if bytes[index] == UInt8(ascii: "}") { break }
        return nil
    }
    return sawTimestamp
}

/// One member of a JSON object: the key (inside its quotes) and the value (inside the quotes of a string,
/// else the raw text of a number, literal, object or array).
struct JSONMember {
    var key: Range<Int>
    var value: Range<Int>
    var isString: Bool

    /// Whether the key is `name`.
    func hasKey(_ name: StaticString, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard name.utf8CodeUnitCount == key.count else { return false }
        return name.withUTF8Buffer { name in
            for i in 0..<key.count where name[i] != bytes[key.lowerBound + i] { return false }
            return true
        }
    }
}

/// Visits the members of the JSON object in `bytes[start..<end]`, nested values skipped whole.
///
/// - Returns: `false` when the text is not one well-formed object (the members seen so far were visited).
@discardableResult
func forEachJSONMember(
    _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ visit: (JSONMember) throws -> Void
) rethrows -> Bool {
    var index = start
    func skipSpace() {
        while index < end, bytes[index] == 32 || bytes[index] == 9 || bytes[index] == 13 || bytes[index] == 10 {
            index += 1
        }
    }
    func stringEnd(_ from: Int) -> Int { jsonStringEnd(bytes, from: from, end: end) }
    skipSpace()
    guard index < end, bytes[index] == UInt8(ascii: "{") else { return false }
    index += 1
    while true {
        skipSpace()
        guard index < end else { return false }
        if bytes[index] == UInt8(ascii: "}") { return true }
        guard bytes[index] == UInt8(ascii: "\"") else { return false }
        let keyEnd = stringEnd(index + 1)
        guard keyEnd < end else { return false }
        let key = (index + 1)..<keyEnd
        index = keyEnd + 1
        skipSpace()
        guard index < end, bytes[index] == UInt8(ascii: ":") else { return false }
        index += 1
        skipSpace()
        guard index < end else { return false }
        let member: JSONMember
        if bytes[index] == UInt8(ascii: "\"") {
            let valueEnd = stringEnd(index + 1)
            guard valueEnd < end else { return false }
            member = JSONMember(key: key, value: (index + 1)..<valueEnd, isString: true)
            index = valueEnd + 1
        } else {
            let valueStart = index
            var depth = 0
            while index < end {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index = stringEnd(index + 1)
                    guard index < end else { return false }
                } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                    depth += 1
                } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    if depth == 0 { break }
                    depth -= 1
                } else if byte == UInt8(ascii: ","), depth == 0 {
                    break
                }
                index += 1
            }
            var valueEnd = index
            while valueEnd > valueStart, bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 10 { valueEnd -= 1 }
            member = JSONMember(key: key, value: valueStart..<valueEnd, isString: false)
        }
        try visit(member)
        skipSpace()
        guard index < end else { return false }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            continue
        }
        return bytes[index] == UInt8(ascii: "}")
    }
}

/// The index of the quote closing the JSON string whose first byte (after its opening quote) is at `from`,
/// or `end` when the string does not close before it: a quote preceded by an odd run of backslashes is escaped.
@inline(__always)
func jsonStringEnd(_ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int {
    var k = from
    while true {
        k = find(UInt8(ascii: "\""), bytes, from: k, end: end)
        guard k < end else { return end }
        var backslashes = 0
        var b = k - 1
        while b >= from, bytes[b] == UInt8(ascii: "\\") {
            backslashes += 1
            b -= 1
        }
        if backslashes % 2 == 0 { return k }
        k += 1
    }
}
