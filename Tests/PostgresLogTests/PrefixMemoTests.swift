import Foundation
import Testing

@testable import PostgresLog

/// Lines whose prefix repeats an earlier line's are matched from ``PrefixMemo``; the match must be the one
/// field-by-field matching gives, on the real server's lines and on lines built to trip it.
struct PrefixMemoTests {
    /// Matches every line of `text` twice: with one cache for the whole file (as the framer does, so that
    /// remembered prefixes are used) and with a fresh cache per line (field by field). Returns how many lines
    /// the memo answered; every answer must be the field-by-field match.
    private func compareLineByLine(_ bytes: [UInt8], _ prefix: LinePrefix) -> (remembered: Int, matched: Int) {
        var cache = TimestampCache()
        var remembered = 0
        var matched = 0
        bytes.withUnsafeBytes { buffer in
            var start = 0
            while start < buffer.count {
                let end = find(10, buffer, from: start, end: buffer.count)
                var probe = cache
                var fromMemo: LinePrefix.Match? = nil
                if prefix.leadingTimestamp == nil {
                    fromMemo = prefix.matchRemembered(buffer, from: start, end: end, timestamp: nil, cache: &probe)
                } else if let (time, after) = prefix.leadingTime(buffer, start, end, &probe) {
                    fromMemo = prefix.matchRemembered(buffer, from: after, end: end, timestamp: time, cache: &probe)
                }
                let fast = prefix.match(buffer, start: start, end: end, cache: &cache)
                let slow = prefix.match(buffer, start: start, end: end)
                #expect(same(fast, slow), "line at byte \(start)")
                if let fromMemo {
                    remembered += 1
                    #expect(same(fromMemo, slow), "remembered line at byte \(start)")
                }
                if slow != nil { matched += 1 }
                start = end + 1
            }
        }
        return (remembered, matched)
    }

    private func same(_ a: LinePrefix.Match?, _ b: LinePrefix.Match?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        let f = a.fields
        let g = b.fields
        return f.timestamp == g.timestamp && f.pid == g.pid && f.user == g.user && f.database == g.database
            && f.application == g.application && f.host == g.host && f.session == g.session
            && f.sqlState == g.sqlState && a.label == b.label && a.severity == b.severity
            && a.labelStart == b.labelStart && a.textStart == b.textStart
    }

    @Test func rememberedPrefixesMatchAsFieldByFieldOnTheServersMillisecondLog() throws {
        // '%m [%p] %q%u@%d/%a ', Europe/Paris: statements with DETAIL lines, background lines (%q), multi-line
        // statements (TAB lines, which fit no prefix).
        let result = compareLineByLine(try fixture("all.log"), prefix("%m [%p] %q%u@%d/%a "))
        #expect(result.matched == 140)  // the lines that start with a timestamp (`grep -c '^20'`)
        #expect(result.remembered > 20, "\(result.remembered)")
    }

    @Test func rememberedPrefixesMatchAsFieldByFieldOnTheServersSecondLog() throws {
        // '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ': the session's line number `%l` changes from line to
        // line (a DETAIL line has its own), so no line repeats another's prefix: every line is matched field by
        // field, and the same way.
        let result = compareLineByLine(
            try fixture("duration.log"), prefix("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "))
        #expect(result.matched == 151)  // the lines that start with a timestamp (`grep -c '^20'`)
        #expect(result.remembered == 0)
    }

    @Test func aTimestampThatChangesInsideASecondOrToTheNextIsReadAgain() {
        let log = """
            2024-05-02 10:15:42.120 UTC [7] app@shop/web LOG:  statement: SELECT 1
            2024-05-02 10:15:42.987 UTC [7] app@shop/web LOG:  statement: SELECT 2
            2024-05-02 10:15:43.001 UTC [7] app@shop/web DETAIL:  x
            2024-05-02 10:15:43.001 CEST [7] app@shop/web LOG:  statement: SELECT 3
            2024-05-03 00:00:00.000 UTC [7] app@shop/web LOG:  statement: SELECT 4

            """
        let result = compareLineByLine(Array(log.utf8), prefix("%m [%p] %q%u@%d/%a "))
        #expect(result == (4, 5))
        let epoch = """
            1714644942.120 [7] app@shop/web LOG:  statement: SELECT 1
            1714644942.987 [7] app@shop/web LOG:  statement: SELECT 2
            1714644943 [7] app@shop/web DETAIL:  x

            """
        #expect(compareLineByLine(Array(epoch.utf8), prefix("%n [%p] %q%u@%d/%a ")) == (2, 3))
        let seconds = """
            2024-05-02 10:15:42 UTC [7] app@shop/web LOG:  statement: SELECT 1
            2024-05-02 10:15:43 UTC [7] app@shop/web LOG:  statement: SELECT 2

            """
        #expect(compareLineByLine(Array(seconds.utf8), prefix("%t [%p] %q%u@%d/%a ")) == (1, 2))
    }

    @Test func aRepeatedPrefixFollowedByNoLabelIsMatchedFieldByField() {
        // The second line repeats the first one's prefix bytes but has no label there: field by field, the
        // application name runs on to the next space followed by a label.
        let log = """
            2024-05-02 10:15:42.120 UTC [7] app@shop/web LOG:  statement: SELECT 1
            2024-05-02 10:15:42.120 UTC [7] app@shop/web DETAIL:  x
            2024-05-02 10:15:42.121 UTC [7] app@shop/web tool LOG:  statement: SELECT 2
            2024-05-02 10:15:42.122 UTC [7] app@shop/web  LOG:  statement: SELECT 3
            2024-05-02 10:15:42.123 UTC [8] LOG:  checkpoint starting: time
            2024-05-02 10:15:42.124 UTC [8] LOG:  checkpoint complete
            \tSELECT 1
            no prefix at all
            2024-05-02 10:15:42.125 UTC [7] app@shop/web

            """
        var cache = TimestampCache()
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { Array($0.utf8) }
        let p = prefix("%m [%p] %q%u@%d/%a ")
        var applications: [String?] = []
        for line in lines {
            let match = line.withUnsafeBytes { p.match($0, start: 0, end: $0.count, cache: &cache) }
            applications.append(
                match.map { m in
                    m.fields.application.0 < 0
                        ? "-"
                        : String(
                            decoding: line[Int(m.fields.application.0)..<Int(m.fields.application.1)], as: UTF8.self)
                })
        }
        #expect(applications == ["web", "web", "web tool", "web", "-", "-", nil, nil, nil])
        #expect(compareLineByLine(Array(log.utf8), p) == (1, 6))
    }

    @Test func aFreeTextFieldThatNeededASecondTryIsNotRemembered() {
        // The application name holds a space: the first space is not where it ends, so the line is matched
        // field by field each time (a remembered match reads nothing past the label, this one did).
        let log = """
            2024-05-02 10:15:42.120 UTC [7] app@shop/my app LOG:  statement: SELECT 1
            2024-05-02 10:15:42.121 UTC [7] app@shop/my app LOG:  statement: SELECT 2

            """
        #expect(compareLineByLine(Array(log.utf8), prefix("%m [%p] %q%u@%d/%a ")) == (0, 2))
    }

    @Test func theFramerGivesTheSameEntriesAndCoverageWithAndWithoutRememberedPrefixes() throws {
        for (name, pattern) in [
            ("all.log", "%m [%p] %q%u@%d/%a "), ("duration.log", "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "),
        ] {
            let bytes = try fixture(name)
            var records: [[LogRecord]] = []
            var coverages: [LogCoverage] = []
            for remembering in [true, false] {
                var framer = StderrFramer(prefix: prefix(pattern), maximumEntryBytes: 16 << 20)
                framer.timestampCache.remembers = remembering
                var found: [LogRecord] = []
                var coverage = LogCoverage()
                coverage.beginFile(name)
                // Chunks of 4 KiB, carrying the unconsumed tail, as the pipeline does.
                var pending: [UInt8] = []
                var offset: Int64 = 0
                var position = 0
                while position < bytes.count {
                    let next = min(bytes.count, position + 4096)
                    pending += bytes[position..<next]
                    position = next
                    let used = pending.withUnsafeBytes {
                        framer.frame($0, baseOffset: offset, atEnd: position == bytes.count) { entry in
                            found.append(entry.record())
                            coverage.observe(entry)
                        }
                    }
                    pending.removeFirst(used)
                    offset += Int64(used)
                }
                records.append(found)
                coverages.append(coverage)
            }
            #expect(records[0].count > 100)
            #expect(records[0] == records[1], "\(name)")
            #expect(coverages[0].parsedEntries == coverages[1].parsedEntries)
            #expect(coverages[0].unparsedEntries == coverages[1].unparsedEntries)
            #expect(coverages[0].joinedLines == coverages[1].joinedLines)
            #expect(coverages[0].from == coverages[1].from && coverages[0].to == coverages[1].to)
            #expect(coverages[0].statementLogging == coverages[1].statementLogging)
        }
    }
}
