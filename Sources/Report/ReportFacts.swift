import Crypto
import Foundation
import Matching

/// The numbers every reporter shows for one target, computed once so that the formats agree with each
/// other and with the report's reasons (which count the same tiers).
struct TargetFacts {
    let usage: TargetUsage
    /// Logged executions at a blocking tier (what a "still used" reason counts).
    let loggedUses: Int
    /// Statement shapes that block: a blocking tier, or a failure because the target was gone.
    let blockingGroups: [StatementGroup]
    /// Use tiers that do not block (listed for review).
    let otherGroups: [StatementGroup]
    /// Code findings that count as uses at a blocking tier (what a "still used" reason counts).
    let blockingFindings: [CodeFinding]
    /// Code findings that count as uses below the blocking tier.
    let otherFindings: [CodeFinding]
    /// Every application that ran a blocking statement shape, `SELECT *` (implicit) included.
    let applications: [String]
    /// Statement shapes and code findings that would block but the allowlist or the baseline accepts
    /// (`suppressed`): shown apart, never counted or shown as blockers.
    let suppressedGroups: [StatementGroup]
    let suppressedFindings: [CodeFinding]
    /// Failed executions that block (those of suppressed shapes left out).
    let failed: Int

    init(_ usage: TargetUsage, options: ReportOptions) {
        self.usage = usage
        let groups = usage.runtime.groups.sorted(by: StatementGroup.reportOrder)
        suppressedGroups = groups.filter { $0.suppressed != nil }
        let suppressedUses = suppressedGroups.reduce(0) { $0 + (options.blocks($1.evidence) ? $1.count : 0) }
        loggedUses =
            usage.runtime.byEvidence.reduce(0) { sum, entry in
                Evidence(rawValue: entry.key).map { options.blocks($0) ? sum + entry.value : sum } ?? sum
            } - suppressedUses
        failed = max(0, usage.runtime.failed - suppressedGroups.reduce(0) { $0 + $1.failed })
        let counted = groups.filter { $0.suppressed == nil }
        blockingGroups = counted.filter { options.blocks($0.evidence) || $0.failed > 0 }
        otherGroups = counted.filter { $0.evidence.isUse && !options.blocks($0.evidence) && $0.failed == 0 }
        let uses = usage.code.findings.filter(\.countsAsUse).sorted(by: CodeFinding.reportOrder)
        suppressedFindings = uses.filter { $0.suppressed != nil }
        blockingFindings = uses.filter { options.blocks($0.evidence) && $0.suppressed == nil }
        otherFindings = uses.filter { !options.blocks($0.evidence) && $0.suppressed == nil }
        applications = Set(blockingGroups.flatMap(\.applications)).sorted()
    }

    /// How many uses the allowlist or the baseline accepted.
    var suppressedCount: Int { suppressedGroups.reduce(0) { $0 + $1.count + $1.failed } + suppressedFindings.count }

    var target: String { usage.target }
}

/// The verdict's first lines: what decided it and what to do next.
enum VerdictText {
    static func icon(_ verdict: Verdict) -> String {
        switch verdict {
        case .pass: "✅"
        case .blocked: "⛔"
        case .inconclusive: "⚠️"
        }
    }

    /// The one reason that decided the verdict: the decision's when the report records it, else the first
    /// (the report lists blocking reasons first).
    static func decidingReason(_ report: UsageReport) -> String {
        if let decision = report.decision, decision.verdict == report.verdict { return decision.reason }
        if let first = report.reasons.first { return first }
        switch report.verdict {
        case .pass:
            return report.targets.isEmpty
                ? "There is nothing to check."
                : "Nothing uses the targets, and the evidence covers what it must."
        case .blocked: return "A target is still used."
        case .inconclusive: return "The evidence does not cover enough to say that nothing uses the targets."
        }
    }

    static func nextStep(_ report: UsageReport) -> String {
        switch report.verdict {
        case .blocked:
            "Do not drop yet: remove or migrate each use listed below (strongest evidence first), deploy, and scan again."
        case .inconclusive:
            "Do not drop yet: fix what the reason names (unreadable files, partial statement logging, logs missing), then scan again."
        case .pass:
            report.targets.isEmpty
                ? "Nothing to do."
                : "The drop may go ahead as far as logs and code show; keep the JSON report as evidence."
        }
    }
}

/// Where the repository lives, for links to a file and line at one commit.
public struct RepositoryLink: Sendable, Equatable {
    /// How the host writes a link to a file at a commit.
    public enum Style: String, Sendable { case github, gitlab }

    /// `https://github.com/owner/repo`, without a trailing slash.
    public let baseURL: String
    public let commit: String
    public let style: Style

    /// A problem with `--repo-url` or `--commit` (exit code 2).
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(baseURL: String, commit: String, style: Style) throws(Invalid) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/%@+")
        guard base.hasPrefix("https://") || base.hasPrefix("http://"), base.count > 8, base.allSatisfy(allowed.contains)
        else {
            throw Invalid(
                description: "--repo-url takes an http(s) URL such as https://github.com/owner/repo, not '\(baseURL)'")
        }
        guard (7...64).contains(commit.count), commit.allSatisfy(\.isHexDigit) else {
            throw Invalid(description: "--commit takes a commit hash (7 to 64 hex digits), not '\(commit)'")
        }
        self.baseURL = base
        self.commit = commit
        self.style = style
    }

    /// From `--repo-url`/`--commit`, else GitHub Actions' or GitLab CI's variables; `nil` when the
    /// repository or the commit is unknown.
    public static func resolve(repoURL: String?, commit: String?, environment: [String: String]) throws(Invalid)
        -> RepositoryLink?
    {
        let github = environment["GITHUB_SERVER_URL"].flatMap { server in
            environment["GITHUB_REPOSITORY"].map { server + "/" + $0 }
        }
        let gitlab = environment["CI_PROJECT_URL"]
        let sha = commit ?? environment["GITHUB_SHA"] ?? environment["CI_COMMIT_SHA"]
        if let repoURL {
            guard let sha else {
                throw Invalid(
                    description: "--repo-url needs the commit: give --commit (or run in GitHub Actions or GitLab CI)")
            }
            let style: Style = repoURL.contains("gitlab") || repoURL == gitlab ? .gitlab : .github
            return try RepositoryLink(baseURL: repoURL, commit: sha, style: style)
        }
        if let github, let sha = commit ?? environment["GITHUB_SHA"] {
            return try RepositoryLink(baseURL: github, commit: sha, style: .github)
        }
        if let gitlab, let sha = commit ?? environment["CI_COMMIT_SHA"] {
            return try RepositoryLink(baseURL: gitlab, commit: sha, style: .gitlab)
        }
        return nil
    }

    /// The link to a repository-relative path, at a line when given.
    public func url(path: String, line: Int?) -> String {
        let blob = style == .gitlab ? "/-/blob/" : "/blob/"
        var url = baseURL + blob + commit + "/" + RepositoryPath.percentEncoded(RepositoryPath.relative(path))
        if let line, line > 0 { url += "#L\(line)" }
        return url
    }
}

/// Paths as the repository knows them: relative, `/`-separated, percent-encoded in URIs.
enum RepositoryPath {
    /// `./a/b` → `a/b`; an absolute path stays absolute (it is outside the repository).
    static func relative(_ path: String) -> String {
        var result = Substring(path)
        while result.hasPrefix("./") { result = result.dropFirst(2) }
        return String(result)
    }

    static func isRelative(_ path: String) -> Bool { !path.hasPrefix("/") }

    /// RFC 3986: every byte but the unreserved characters and `/` percent-encoded.
    static func percentEncoded(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

/// Identities for results that are unique within one rendering, stable across runs: the finding's own
/// fingerprint (no line number), made unique when one line holds the same text twice.
struct ResultIdentities {
    private var seen: [String: Int] = [:]

    /// `base` the first time, then `base` hashed with its occurrence number.
    mutating func unique(_ base: String) -> String {
        let count = seen[base, default: 0]
        seen[base] = count + 1
        return count == 0 ? base : Self.hash("\(base)\u{1F}\(count)")
    }

    /// SHA-256 (hex) of the parts joined by U+001F.
    static func hash(_ parts: String...) -> String {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
