/// The syslog header forms other than RFC 3164, each read into a ``SyslogHeader`` so that the pieces of a
/// message are joined by ``SyslogFramer`` whatever form carried them.

/// Whether `start` begins an RFC 6587 octet count (`123 <`), as written by receivers of TCP syslog streams
/// and by Heroku's drains.
func startsOctetCount(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
    var index = start
    while index < end, bytes[index] &- 48 <= 9, index - start < 10 { index += 1 }
    return index > start && index + 1 < end && bytes[index] == UInt8(ascii: " ")
        && bytes[index + 1] == UInt8(ascii: "<")
}

/// Parses an RFC 5424 header (https://www.rfc-editor.org/rfc/rfc5424#section-6), optionally after an RFC 6587
/// octet count: `[len ]<pri>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ELEMENT…|-] MSG`.
///
/// The pid is PROCID when it is a number, or the number after its last dot (Heroku writes the dyno,
/// `postgres.4882`). The structured data is skipped (Heroku's drains omit it); a bracketed `[seq-chunk]`
/// is PostgreSQL's piece number, not structured data. Heroku's database colour (`[GREEN]`) is skipped too.
func parseRFC5424Header(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> SyslogHeader? {
    var index = start
    if bytes[index] != UInt8(ascii: "<") {
        index = find(UInt8(ascii: " "), bytes, from: index, end: end) + 1
    }
    // <pri>version
    guard index < end, bytes[index] == UInt8(ascii: "<") else { return nil }
    index += 1
    let priStart = index
    while index < end, bytes[index] &- 48 <= 9, index - priStart < 3 { index += 1 }
    guard index > priStart, index + 1 < end, bytes[index] == UInt8(ascii: ">"), bytes[index + 1] &- 48 <= 9 else {
        return nil
    }
    index += 1
    while index < end, bytes[index] &- 48 <= 9 { index += 1 }
    guard index < end, bytes[index] == UInt8(ascii: " ") else { return nil }
    index += 1
    // TIMESTAMP
    var time: Int64?
    if index < end, bytes[index] == UInt8(ascii: "-") {
        index += 1
    } else {
        guard let (millis, after) = LogTimestamp.parseISO(bytes, at: index, end: end) else { return nil }
        time = millis
        index = after
    }
    // HOSTNAME APP-NAME PROCID MSGID
    var fields: [Range<Int>] = []
    for _ in 0..<4 {
        guard index < end, bytes[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        let fieldEnd = find(UInt8(ascii: " "), bytes, from: index, end: end)
        guard fieldEnd > index else { return nil }
        fields.append(index..<fieldEnd)
        index = fieldEnd
    }
    let procid = fields[2]
    let pid = processID(bytes, procid) ?? 0
    // STRUCTURED-DATA, then MSG
    if index < end { index += 1 }
    if index < end, bytes[index] == UInt8(ascii: "-"), index + 1 == end || bytes[index + 1] == UInt8(ascii: " ") {
        index = min(index + 2, end)
    } else {
        var sawElement = false
        while index < end, bytes[index] == UInt8(ascii: "["), !isSequence(bytes, index, end),
            let close = structuredElementEnd(bytes, index, end)
        {
            index = close + 1
            sawElement = true
        }
        if sawElement, index < end, bytes[index] == UInt8(ascii: " ") { index += 1 }
    }
    // A UTF-8 byte order mark may start MSG.
    if index + 2 < end, bytes[index] == 0xEF, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF { index += 3 }
    index = skipColourTag(bytes, index, end)
    let (sequence, chunk, contentStart) = parseSyslogSequence(bytes, index, end)
    return SyslogHeader(time: time, pid: pid, sequence: sequence, chunk: chunk, contentStart: contentStart)
}

/// Parses the rest of a Heroku logplex line after its time (https://devcenter.heroku.com/articles/logging,
/// "Log format": `timestamp source[dyno]: message`): `app[postgres.4882]: [GREEN] [15-1] ` as printed by
/// `heroku logs`, or `d.<drain token> app[postgres.4882] [GREEN] [15-1] ` as a syslog drain writes it
/// (https://devcenter.heroku.com/articles/log-drains). Only the database's own dynos (`postgres.<pid>`)
/// are read; other dynos' lines are not PostgreSQL's.
func parseLogplexHeader(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, time: Int64) -> SyslogHeader? {
    var tokenStart = start
    for _ in 0..<2 {
        let tokenEnd = find(UInt8(ascii: " "), bytes, from: tokenStart, end: end)
        guard tokenEnd < end else { return nil }
        let open = find(UInt8(ascii: "["), bytes, from: tokenStart, end: tokenEnd)
        if open == tokenEnd {
            tokenStart = tokenEnd + 1  // a drain token before the source
            continue
        }
        var close = tokenEnd - 1
        if bytes[close] == UInt8(ascii: ":") { close -= 1 }
        guard close > open, bytes[close] == UInt8(ascii: "]") else { return nil }
        let dyno = (open + 1)..<close
        guard startsWith(bytes, dyno, "postgres."), let pid = processID(bytes, dyno), pid > 0 else { return nil }
        let index = skipColourTag(bytes, tokenEnd + 1, end)
        let (sequence, chunk, contentStart) = parseSyslogSequence(bytes, index, end)
        return SyslogHeader(time: time, pid: pid, sequence: sequence, chunk: chunk, contentStart: contentStart)
    }
    return nil
}

/// The number in PROCID or a dyno name: all of it when it is digits, else what follows its last dot.
private func processID(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int32? {
    var digitsStart = range.upperBound
    while digitsStart > range.lowerBound, bytes[digitsStart - 1] &- 48 <= 9 { digitsStart -= 1 }
    guard digitsStart < range.upperBound, range.upperBound - digitsStart <= 9,
        digitsStart == range.lowerBound || bytes[digitsStart - 1] == UInt8(ascii: ".")
    else { return range.count == 1 && bytes[range.lowerBound] == UInt8(ascii: "-") ? 0 : nil }
    var value: Int32 = 0
    for index in digitsStart..<range.upperBound { value = value * 10 + Int32(bytes[index] - 48) }
    return value
}

private func startsWith(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ text: StaticString) -> Bool {
    guard range.count >= text.utf8CodeUnitCount else { return false }
    return text.withUTF8Buffer { word in
        word.indices.allSatisfy { bytes[range.lowerBound + $0] == word[$0] }
    }
}

/// Whether `[` at `index` opens PostgreSQL's `[seq-chunk]` or `[chunk]`.
private func isSequence(_ bytes: UnsafeRawBufferPointer, _ index: Int, _ end: Int) -> Bool {
    parseSyslogSequence(bytes, index, end).0 >= 0
}

/// The index of the `]` closing the SD-ELEMENT at `index` (quoted values may hold `\]` and `]`).
private func structuredElementEnd(_ bytes: UnsafeRawBufferPointer, _ index: Int, _ end: Int) -> Int? {
    var k = index + 1
    var quoted = false
    while k < end {
        let byte = bytes[k]
        if quoted {
            if byte == UInt8(ascii: "\\") {
                k += 2
                continue
            }
            if byte == UInt8(ascii: "\"") { quoted = false }
        } else if byte == UInt8(ascii: "\"") {
            quoted = true
        } else if byte == UInt8(ascii: "]") {
            return k
        }
        k += 1
    }
    return nil
}

/// Skips Heroku's database colour tag (`[GREEN] `, `[HEROKU_POSTGRESQL_RED] `) at `index`.
private func skipColourTag(_ bytes: UnsafeRawBufferPointer, _ index: Int, _ end: Int) -> Int {
    guard index + 2 < end, bytes[index] == UInt8(ascii: "["), bytes[index + 1] &- 65 < 26 else { return index }
    var k = index + 1
    while k < end, k - index < 64, bytes[k] &- 65 < 26 || bytes[k] &- 48 <= 9 || bytes[k] == UInt8(ascii: "_") {
        k += 1
    }
    guard k + 1 < end, bytes[k] == UInt8(ascii: "]"), bytes[k + 1] == UInt8(ascii: " ") else { return index }
    return k + 2
}
