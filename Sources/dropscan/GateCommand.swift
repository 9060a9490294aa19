import ArgumentParser
import DropScan
import Foundation

struct Gate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide whether a destructive change may ship: scan (or read saved reports) and apply a policy.",
        discussion: """
            The first lines printed are the verdict and the reason that decided it, then the other reasons,
            the seven-item checklist and warnings. The policy (YAML, see Reports/policy.example.yml) sets the
            blocking tiers, the log coverage a pass needs and an allowlist; without --policy, confirmed,
            implicit and probable uses and failed statements block, and a pass needs 30 days of logs with
            every statement logged, a code search and the whole checklist.
            Exit codes: 0 pass, 1 blocked, 2 usage or configuration error, 3 inconclusive.
            """)

    @Option(help: "The policy file (YAML).")
    var policy: String?

    @Option(help: "A saved JSON report to decide on instead of scanning (repeatable: shards are merged).")
    var report: [String] = []

    @Option(
        help:
            "BASE..HEAD: the change under review. Checks that it holds the destructive migration and only migrations and schema dumps; without targets, its destructive migrations are the targets."
    )
    var diff: String?

    @Option(help: "The git repository --diff is read from.")
    var repo: String = "."

    @Option(
        help:
            "An attestation file (YAML: owners-approve, retention, backup, rollback-plan, each with by and at); dropscan-attestations.yml beside a migration is read too."
    )
    var attestations: [String] = []

    @Option(help: "A baseline file: findings whose fingerprints it lists do not block.")
    var baseline: String?

    @Option(help: "Write the fingerprints of today's blocking findings to this baseline file.")
    var writeBaseline: String?

    @Option(help: "Judge allowlist expiry as of this day (YYYY-MM-DD; default today, UTC).")
    var today: String?

    @OptionGroup var options: ScanOptions

    func run() throws {
        let scan = options.request(blockOn: "probable", acceptPartialLogging: false, quiet: true)
        var request = GateRequest(scan: scan)
        request.reports = report
        request.policy = policy
        request.diff = diff
        request.repository = repo
        request.attestations = attestations
        request.baseline = baseline
        request.writeBaseline = writeBaseline
        request.today = today
        throw ExitRequest(code: GateCommand.run(request))
    }
}
