import Foundation
import Gate
import Report
import ScanIO

/// The `gate` command's arguments as given.
public struct GateRequest: Sendable {
    /// What to scan (unused with `reports`); its `blockOn` and `acceptPartialLogging` are the policy's.
    public var scan: ScanRequest
    /// Saved JSON reports to decide on instead of scanning.
    public var reports: [String] = []
    public var policy: String?
    /// `BASE..HEAD`: the change under review.
    public var diff: String?
    /// The git repository `diff` is read from.
    public var repository = "."
    public var attestations: [String] = []
    public var baseline: String?
    public var writeBaseline: String?
    /// `YYYY-MM-DD`: the day allowlist expiry is judged on (default today, UTC).
    public var today: String?

    public init(scan: ScanRequest) { self.scan = scan }
}

/// `dropscan gate`: a scan (or saved reports) decided under a policy, with the seven-item checklist. The
/// first lines printed are the verdict and the reason that decided it.
public enum GateCommand {
    /// The attestation file looked for beside each migration under review.
    public static let attestationFileName = "dropscan-attestations.yml"

    public static func run(_ request: GateRequest) -> Int32 {
        Cancellation.installSignalHandlers()
        let outputs = ReportOutputs(json: request.scan.json, markdown: request.scan.markdown, sarif: request.scan.sarif)
        var report: UsageReport
        let policy: GatePolicy
        do {
            try outputs.validate()
            policy = try request.policy.map { path throws in try PolicyFile.load(path) } ?? .gateDefault
            var context = GateContext()
            if let today = request.today {
                guard let day = GateClock.day(today), today.count == 10 else {
                    throw UsageError("--today takes a date written YYYY-MM-DD, not '\(today)'")
                }
                context.now = Date(timeIntervalSince1970: Double(day) * 86400)
            }
            if let path = request.baseline {
                context.baseline = try Baseline.parse(try ScanCommandRunner.readText(path), path: path)
            }
            var migrations = request.scan.migrations
            if let range = request.diff {
                let change = try GitChange.read(range: range, repository: request.repository)
                context.change = change
                let hasTargets =
                    !request.scan.targets.isEmpty || !request.scan.targetFiles.isEmpty || !migrations.isEmpty
                if !hasTargets {
                    // Every destructive migration the change adds is under review.
                    migrations = change.files.filter(\.destructive).map {
                        (request.repository as NSString).appendingPathComponent($0.path)
                    }
                }
            }
            context.attestations = try attestations(request.attestations, besides: migrations)
            if !request.reports.isEmpty {
                guard request.scan.logs.isEmpty, request.scan.sources.isEmpty, request.scan.fileLists.isEmpty,
                    request.scan.databases.isEmpty
                else {
                    throw UsageError(
                        "give --report or what to scan (--logs, --source, --files-from, --database), not both")
                }
                report = try savedReport(request.reports)
                Gate.decide(&report, policy: policy, context: context)
            } else {
                var scan = request.scan
                scan.migrations = migrations
                if let range = request.diff, migrations.isEmpty, scan.targets.isEmpty, scan.targetFiles.isEmpty {
                    throw UsageError("\(range) adds no migration that drops or renames anything: nothing to gate")
                }
                var configuration = try ScanCommandRunner.makeConfiguration(scan)
                configuration.policy = policy
                configuration.gateContext = context
                configuration.cancellation = .interruptSignals
                guard let scanned = ScanCommandRunner.scanOrNothingToCheck(configuration, request: scan) else {
                    return ExitCode.usage.rawValue
                }
                report = scanned
            }
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
        let decision = summary(report)
        if outputs.usesStandardOutput {
            StandardError.write(decision)
        } else if !writeOut(decision, what: "the decision") {
            return ExitCode.usage.rawValue
        }
        do {
            if let path = request.writeBaseline {
                try ReportOutputs.write(
                    Data(Baseline.render(report, policy: policy).utf8), to: path, format: "baseline")
            }
            try outputs.emit(report, summary: false)
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
        return ScanCommandRunner.exitCode(report)
    }

    /// Attestation files given, then one beside each migration when it is there.
    static func attestations(_ files: [String], besides migrations: [String]) throws -> [Attestation] {
        var paths = files
        for migration in migrations {
            let candidate = ((migration as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent(attestationFileName)
            if !paths.contains(candidate), FileManager.default.fileExists(atPath: candidate) { paths.append(candidate) }
        }
        var result: [Attestation] = []
        for path in paths { result += try PolicyFile.loadAttestations(path) }
        return result
    }

    /// One report from saved ones: merged when there are several (the gate decides again either way).
    static func savedReport(_ paths: [String]) throws -> UsageReport {
        let reports = try paths.map { path throws in try MergeCommand.readReport(path) }
        let result = try ReportMerger.merge(reports, names: paths)
        for note in result.duplicates { StandardError.write("dropscan: \(note)\n") }
        return result.report
    }

    /// The verdict and its deciding reason first, then the other reasons, the checklist and the warnings.
    static func summary(_ report: UsageReport) -> String {
        guard let decision = report.decision else { return "verdict: \(report.verdict.rawValue)\n" }
        var lines = ["verdict: \(decision.verdict.rawValue)", "reason: \(decision.reason)"]
        let others = report.reasons.filter { $0 != decision.reason }
        if !others.isEmpty {
            lines.append("other reasons:")
            lines += others.map { "  - \($0)" }
        }
        if !decision.checklist.isEmpty {
            lines.append("checklist:")
            lines += decision.checklist.map { "  [\($0.status.rawValue)] \($0.title): \($0.detail)" }
        }
        if !decision.warnings.isEmpty {
            lines.append("warnings:")
            lines += decision.warnings.map { "  - \($0)" }
        }
        let meaning: String
        switch report.verdict {
        case .pass: meaning = "0 (pass)"
        case .blocked: meaning = "1 (blocked)"
        case .inconclusive: meaning = "3 (inconclusive)"
        }
        lines.append("exit code \(meaning)")
        return lines.joined(separator: "\n") + "\n"
    }
}
