import Foundation
import Matching
import TestSupport
import Testing

@testable import Report

/// Text that a database client or a file can put in a report: HTML, table breaks, backticks, mentions, links.
let hostileApplication = "<b>bold</b> | @octocat [x](https://evil.example) `tick` <!-- c -->"
let hostilePath = "app/`x`|<img src=x onerror=alert(1)>.rb"
let hostileSnippet = "``` @team https://evil.example/x <script>alert(1)</script> | #12 ``"
let hostileStatement = "select `a` from t where x = $1 -- | @here www.evil.example <i>"
let hostileTarget = "orders.\"we|rd`<b>@x\""

func hostileReport() throws -> UsageReport {
    var usage = try targetUsage(
        findings: [finding(hostilePath, line: 3, snippet: hostileSnippet)],
        groups: [
            group("00000000000000aa", hostileStatement, applications: [hostileApplication, "@admin"]),
            group("00000000000000bb", "select * from orders", evidence: .implicit, applications: ["www.evil.example"]),
        ])
    usage.target = hostileTarget
    var coverage = Coverage()
    coverage.errors = [CoverageError(path: "logs/<evil>|@x.log", offset: 9, message: "ends early @y <b>")]
    return report(
        [usage],
        reasons: ["\(hostileTarget) is still used: <u>2</u> | @octocat http://evil.example #5 [a](b)"],
        coverage: coverage)
}

/// Matches of `pattern` (dot matches newlines): the first capture group, or the whole match.
func matches(_ pattern: String, in text: String) throws -> [String] {
    let regex = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
    return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
        let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
        return String(text[Range(range, in: text)!])
    }
}

func unescapeHTML(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
}

@Suite struct MarkdownSafetyTests {
    @Test func hostileInputRendersAsTextWithNoHTMLNoLinksNoMentionsAndNoExtraCells() throws {
        let html = try renderGFM(try MarkdownReporter().render(try hostileReport()))
        // The only raw HTML is the marker; every tag is one Markdown itself makes.
        #expect(html.hasPrefix("<!-- dropscan-report -->\n"))
        #expect(try matches("<!--", in: html).count == 1)
        let allowed: Set = [
            "h2", "h3", "p", "strong", "em", "code", "table", "thead", "tbody", "tr", "th", "td", "ul", "li",
        ]
        let tags = Set(try matches("</?([a-zA-Z][a-zA-Z0-9]*)", in: html))
        #expect(tags.isSubset(of: allowed), "unexpected tags: \(tags.subtracting(allowed))")
        #expect(!html.contains("<a "))
        // Every row has as many cells as its table's header.
        let tables = try matches("<table>(.*?)</table>", in: html)
        #expect(tables.count == 3)  // targets, statements in logs, code
        for table in tables {
            let header = try matches("<th[ >]", in: table).count
            for row in try matches("<tbody>(.*?)</tbody>", in: table).flatMap({ try matches("<tr>(.*?)</tr>", in: $0) })
            {
                #expect(try matches("<td[ >]", in: row).count == header, "row \(row)")
            }
        }
        #expect(try matches("<th[ >]", in: tables[0]).count == 7)
        #expect(try matches("<th[ >]", in: tables[1]).count == 7)
        #expect(try matches("<th[ >]", in: tables[2]).count == 4)
        // Outside code, nothing GitHub would turn into a mention, a reference or a link.
        let prose = unescapeHTML(
            html.replacingOccurrences(of: "<code>.*?</code>", with: "", options: .regularExpression)
                .replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression))
        #expect(try matches("@[A-Za-z0-9]", in: prose).isEmpty, "\(prose)")
        #expect(try matches("#[0-9]", in: prose).isEmpty)
        #expect(try matches("[A-Za-z0-9]://", in: prose).isEmpty && !prose.lowercased().contains("www."))
        // HTML and link syntax in a reason is shown as the text it is.
        #expect(prose.contains("<u>2</u> | @\u{200D}octocat"))
        #expect(prose.contains("[a](b)"))
        // Inside code, the text is exactly what came in.
        let code = try matches("<code>(.*?)</code>", in: html).map(unescapeHTML)
        #expect(code.contains(hostileApplication))
        #expect(code.contains(hostileStatement))
        #expect(code.contains(hostileSnippet))
        #expect(code.contains(hostilePath + ":3"))
        #expect(code.contains(hostileTarget))
        #expect(code.contains("www.evil.example"))
        #expect(code.contains("logs/<evil>|@x.log"))
    }

    @Test func aCodeSpanIsFencedByALongerBacktickRunThanItHolds() {
        #expect(MarkdownText.code("a``b", inTable: false) == "```a``b```")
        #expect(MarkdownText.code("`x", inTable: false) == "`` `x ``")
        #expect(MarkdownText.code("a|b", inTable: true) == "`a\\|b`")
        #expect(MarkdownText.code("a|b", inTable: false) == "`a|b`")
        #expect(MarkdownText.code("line\none", inTable: true) == "`line one`")
        #expect(MarkdownText.code("", inTable: true) == "(empty)")
        #expect(MarkdownText.code("abcdef", limit: 4, inTable: false) == "`abc…`")
    }

    @Test func proseEscapesPunctuationAndBreaksMentionsReferencesAndLinks() {
        #expect(MarkdownText.text("@ann #5") == "\\@\u{200D}ann \\#\u{200D}5")
        #expect(MarkdownText.text("see http://x.io") == "see http\u{200D}\\:\\/\\/x\\.io")
        #expect(MarkdownText.text("www.x.io") == "www\u{200D}\\.x\\.io")
        #expect(MarkdownText.text("<b>") == "\\<b\\>")
        #expect(MarkdownText.text("a\u{202E}b") == "a\u{FFFD}b")
    }
}

@Suite struct MarkdownBudgetTests {
    /// The number in each `N more not shown (see the JSON report)`.
    func hiddenCounts(_ text: String) throws -> [Int] {
        try matches("([0-9]+) more not shown \\(see the JSON report\\)", in: text).compactMap(Int.init)
    }

    @Test func tenThousandFindingsOverTwoHundredTargetsFitInAComment() throws {
        var targets: [TargetUsage] = []
        for t in 0..<200 {
            let name = "table_\(t).legacy_column_\(t)"
            let findings = (0..<50).map { f in
                finding(
                    "app/models/module_\(t)/file_\(f).rb", line: f + 1,
                    snippet: "Table\(t).where(legacy_column_\(t): value_\(f))",
                    target: name)
            }
            targets.append(try targetUsage(name, findings: findings))
        }
        let text = String(decoding: try MarkdownReporter().render(report(targets)), as: UTF8.self)
        #expect(text.utf8.count < 65_536)
        #expect(text.utf16.count < 65_536)
        let summaryRows = try matches(
            "\\| `table_[0-9]+\\.legacy_column_[0-9]+` \\| ⛔ blocked \\| 0 \\| 0 \\| 50 \\|", in: text)
        let hidden = try hiddenCounts(text)
        #expect(!hidden.isEmpty)
        // The first count follows the targets table: shown and hidden add up to the 200 targets.
        #expect(summaryRows.count + hidden[0] == 200)
        #expect(summaryRows.count >= 50)
    }

    @Test func tenThousandFindingsOfOneTargetAreCutAndCounted() throws {
        let findings = (0..<10_000).map {
            finding("app/f\($0).rb", line: 1, snippet: "Order.where(legacy_status: \($0))")
        }
        let text = String(
            decoding: try MarkdownReporter().render(report([try targetUsage(findings: findings)])), as: UTF8.self)
        #expect(text.utf8.count < 65_536)
        let rows = try matches("\\| `app/f[0-9]+\\.rb:1` \\| confirmed \\|", in: text)
        #expect(try hiddenCounts(text) == [10_000 - rows.count])
        #expect(rows.count > 100)
    }

    @Test func aSmallReportIsNotCut() throws {
        let text = String(decoding: try MarkdownReporter().render(try sampleReport()), as: UTF8.self)
        #expect(try hiddenCounts(text).isEmpty)
    }
}

@Suite struct RepositoryLinkTests {
    let commit = "0123456789abcdef0123456789abcdef01234567"

    @Test func placesLinkToTheFileAndLineAtTheCommit() throws {
        let link = try RepositoryLink(baseURL: "https://github.com/acme/shop/", commit: commit, style: .github)
        let usage = try targetUsage(findings: [finding("./app/my file#1.rb", line: 12)])
        let text = String(
            decoding: try MarkdownReporter(options: ReportOptions(repository: link)).render(report([usage])),
            as: UTF8.self)
        #expect(
            text.contains(
                "[`./app/my file#1.rb:12`](https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/app/my%20file%231.rb#L12)"
            ))
        let gitlab = try RepositoryLink(baseURL: "https://gitlab.com/acme/shop", commit: commit, style: .gitlab)
        #expect(gitlab.url(path: "db/x.sql", line: 3) == "https://gitlab.com/acme/shop/-/blob/\(commit)/db/x.sql#L3")
    }

    @Test func theRepositoryComesFromTheOptionOrTheCIVariables() throws {
        let github = try RepositoryLink.resolve(
            repoURL: nil, commit: nil,
            environment: [
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": commit,
            ])
        #expect(github?.url(path: "a.rb", line: 1) == "https://github.com/acme/shop/blob/\(commit)/a.rb#L1")
        let gitlab = try RepositoryLink.resolve(
            repoURL: nil, commit: nil,
            environment: ["CI_PROJECT_URL": "https://gitlab.example.com/acme/shop", "CI_COMMIT_SHA": commit])
        #expect(gitlab?.style == .gitlab)
        #expect(try RepositoryLink.resolve(repoURL: nil, commit: nil, environment: [:]) == nil)
        #expect(throws: RepositoryLink.Invalid.self) {
            try RepositoryLink.resolve(repoURL: "https://github.com/acme/shop", commit: nil, environment: [:])
        }
        #expect(throws: RepositoryLink.Invalid.self) {
            try RepositoryLink.resolve(repoURL: "javascript:alert(1)", commit: commit, environment: [:])
        }
        #expect(throws: RepositoryLink.Invalid.self) {
            try RepositoryLink.resolve(repoURL: "https://github.com/a/b)", commit: commit, environment: [:])
        }
    }
}
