import Foundation
import TestSupport
import Testing

@testable import DropScan

/// Runs dropscan with standard output going to `stdout` (a file handle the test chose) and returns its exit
/// status and standard error.
func dropscan(_ arguments: [String], stdout: FileHandle) throws -> (
    status: Int32, reason: Process.TerminationReason, stderr: String
) {
    let dir = try TemporaryDirectory()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: dropscanExecutable())
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(
        ["DROPSCAN_PATTERNS": repositoryRoot + "/Patterns"]) { $1 }
    process.standardOutput = stdout
    process.standardInput = FileHandle.nullDevice
    FileManager.default.createFile(atPath: dir.path + "/stderr", contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path + "/stderr"))
    try process.run()
    process.waitUntilExit()
    let stderr = String(decoding: FileManager.default.contents(atPath: dir.path + "/stderr") ?? Data(), as: UTF8.self)
    return (process.terminationStatus, process.terminationReason, stderr)
}

let demoScan = ["scan", "--target", "orders.legacy_status", "--logs", demo + "/logs", "-q"]

/// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN), for a disk that fills up.
let canMountTmpfs: Bool = {
    guard geteuid() == 0, let dir = try? TemporaryDirectory() else { return false }
    guard (try? runCapturing("/bin/mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", dir.path]))?.status == 0 else {
        return false
    }
    _ = try? runCapturing("/bin/umount", [dir.path])
    return true
}()

/// Reports are whole or absent, and a report that cannot be written is one sentence and exit code 2.
@Suite struct ReportWriteTests {
    @Test func aReportToAFullDeviceIsOneSentenceNamingItAndExitTwo() throws {
        let result = try dropscan(demoScan + ["--json", "/dev/full"])
        #expect(result.status == 2)
        #expect(result.stderr == "dropscan: cannot write the JSON report to /dev/full: No space left on device.\n")
    }

    /// The reader of a pipe has gone (`dropscan … --json - | head -c 0`): EPIPE, not a death by SIGPIPE.
    @Test func aReportToAClosedPipeIsOneSentenceAndExitTwo() throws {
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let result = try dropscan(demoScan + ["--json", "-"], stdout: pipe.fileHandleForWriting)
        #expect(result.reason == .exit)
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "dropscan: cannot write the JSON report to standard output: Broken pipe (the program reading it stopped).\n"
        )
    }

    /// The crash of the issue: the gate's decision went through FileHandle.write, a `try!` inside Foundation.
    @Test func theGateDecisionToAFullDeviceIsOneSentenceNotACrash() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let result = try dropscan(
            ["gate", "--target", "orders.legacy_status", "--logs", demo + "/logs"], stdout: full)
        #expect(result.reason == .exit)
        #expect(result.status == 2)
        #expect(result.stderr == "dropscan: cannot write the decision to standard output: No space left on device.\n")
    }

    @Test func anInputListToAFullDeviceIsExitTwoNotASilentSuccess() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let result = try dropscan(["inputs", "--logs", demo + "/logs"], stdout: full)
        #expect(result.status == 2)
        #expect(result.stderr == "dropscan: cannot write the output to standard output: No space left on device.\n")
    }

    /// A folder the user may not write to (as root, the scan runs as `nobody`, for whom root's folder is
    /// closed): one sentence, exit 2, and the previous report is still there (nothing could be removed).
    @Test func aFolderWithoutWritePermissionIsOneSentenceAndExitTwo() throws {
        let dir = try TemporaryDirectory()
        let out = dir.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try dir.write("out/report.json", "{}\n")
        let scan = demoScan + ["--json", out + "/report.json"]
        var program = dropscanExecutable()
        var arguments = scan
        if geteuid() == 0 {
            (program, arguments) = (
                "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", program] + scan
            )
        } else {
            chmod(out, 0o555)
        }
        defer { chmod(out, 0o755) }
        let result = try runCapturing(
            program, arguments, environment: ["DROPSCAN_PATTERNS": repositoryRoot + "/Patterns"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "dropscan: cannot write the JSON report to \(out)/report.json: Permission denied (the report there is an earlier run's).\n"
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["report.json"])
    }

    /// The disk fills while the report is written: the half-written temporary file is removed, and so is the
    /// previous run's report, so no reader takes either for this run's.
    @Test(.enabled(if: canMountTmpfs)) func aFullDiskLeavesNeitherAHalfReportNorThePreviousOne() throws {
        let dir = try TemporaryDirectory()
        let disk = dir.path + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        #expect(try runCapturing("/bin/mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", disk]).status == 0)
        defer { _ = try? runCapturing("/bin/umount", [disk]) }
        // The previous report fills the disk's one page.
        try Data(repeating: 0x20, count: 4096).write(to: URL(fileURLWithPath: disk + "/report.json"))
        let result = try dropscan(demoScan + ["--json", disk + "/report.json"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "dropscan: cannot write the JSON report to \(disk)/report.json: No space left on device (the previous report there was removed).\n"
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk).isEmpty)
    }

    /// A report is replaced whole: the new one is there with the old one's permissions, and no temporary
    /// file is left beside it.
    @Test func aReportReplacesThePreviousOneWholeAndKeepsItsPermissions() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("report.json", "previous run\n")
        chmod(path, 0o600)
        let result = try dropscan(demoScan + ["--json", path, "--markdown", dir.path + "/report.md"])
        #expect(result.status == 1)
        let report = try decodeReport(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
        #expect(report["verdict"] as? String == "blocked")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["report.json", "report.md"])
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    /// A report path that is a symbolic link (a CI cache, a shared folder) stays a link; its target is
    /// replaced.
    @Test func aReportPathThatIsALinkStaysALink() throws {
        let dir = try TemporaryDirectory()
        let target = try dir.write("shared/report.json", "previous run\n")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/report.json", withDestinationPath: target)
        let result = try dropscan(demoScan + ["--json", dir.path + "/report.json"])
        #expect(result.status == 1)
        let destination = try FileManager.default.destinationOfSymbolicLink(atPath: dir.path + "/report.json")
        #expect(destination == target)
        let report = try decodeReport(
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: target)), as: UTF8.self))
        #expect(report["verdict"] as? String == "blocked")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/shared") == ["report.json"])
    }

    /// `dropscan report` writes its formats the same way.
    @Test func theReportCommandToAFullDeviceIsOneSentenceAndExitTwo() throws {
        let result = try dropscan([
            "report", "--report", repositoryRoot + "/Reports/examples/blocked/report.json", "--format", "gitlab",
            "--output", "/dev/full",
        ])
        #expect(result.status == 2)
        #expect(result.stderr == "dropscan: cannot write the gitlab report to /dev/full: No space left on device.\n")
    }
}
