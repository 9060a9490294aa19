import Foundation

/// A temporary directory removed when the value is released.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "dropscan-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    public func write(_ relative: String, _ text: String) throws -> String {
        try write(relative, Data(text.utf8))
    }

    @discardableResult
    public func write(_ relative: String, _ data: Data) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// Runs a program and returns its standard output; fails the test on a non-zero exit.
@discardableResult
public func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    if let stdin {
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
    } else {
        try process.run()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw NSError(
            domain: "run", code: Int(process.terminationStatus),
            userInfo: [NSLocalizedDescriptionKey: "\(executable) \(arguments) failed"])
    }
    return data
}

/// Compresses `text` with the real gzip program.
public func gzip(_ text: String) throws -> Data { try run("/bin/gzip", ["-c", "-n"], stdin: Data(text.utf8)) }

/// The result of running a program that may fail.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs a program and returns its exit status and outputs, whatever the status.
public func runCapturing(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws
    -> ProcessResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    // Files, not pipes: a child that fills one pipe while we drain the other cannot deadlock.
    let scratch = NSTemporaryDirectory() + "dropscan-run-" + UUID().uuidString
    FileManager.default.createFile(atPath: scratch + ".out", contents: nil)
    FileManager.default.createFile(atPath: scratch + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: scratch + ".out")
        try? FileManager.default.removeItem(atPath: scratch + ".err")
    }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".err"))
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let stdoutData = FileManager.default.contents(atPath: scratch + ".out") ?? Data()
    let stderrData = FileManager.default.contents(atPath: scratch + ".err") ?? Data()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}

/// The repository's root folder.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The `dropscan` executable built beside the tests.
public func dropscanExecutable() -> String {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [
        beside.appendingPathComponent("dropscan").path,
        beside.deletingLastPathComponent().appendingPathComponent("dropscan").path,
        repositoryRoot + "/.build/debug/dropscan",
    ] where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return repositoryRoot + "/.build/debug/dropscan"
}

/// A throw-away PostgreSQL server that a test starts and keeps running while it connects to it
/// (`Fixtures/postgres/server.sh`: initdb in a temporary folder, a free port on 127.0.0.1, trust
/// authentication, `pg_stat_statements` preloaded); stopped and removed when the value is released.
public final class PostgresServer: @unchecked Sendable {
    public static let script = repositoryRoot + "/Tests/DropScanTests/Fixtures/postgres/server.sh"
    public let directory: String
    public let port: Int
    /// The server's programs (`psql`, `pg_dump`).
    public let bindir: String

    /// Starts a server with `settings` appended to its postgresql.conf.
    public init(settings: [String] = []) throws {
        directory = NSTemporaryDirectory() + "dropscan-pg-" + UUID().uuidString
        let result = try runCapturing("/bin/bash", [Self.script, "start", directory] + settings)
        guard result.status == 0, let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw NSError(
                domain: "server.sh", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        self.port = port
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = versions.compactMap(Int.init).max().map(String.init) ?? "15"
        bindir = "/usr/lib/postgresql/\(newest)/bin"
    }

    deinit { _ = try? runCapturing("/bin/bash", [Self.script, "stop", directory]) }

    /// A `postgresql://` URL for `database` as `user` (trust authentication: any password is accepted).
    public func url(database: String = "postgres", user: String = "postgres", password: String? = nil) -> String {
        "postgresql://\(user)\(password.map { ":" + $0 } ?? "")@127.0.0.1:\(port)/\(database)"
    }

    /// Runs `sql` with psql (stopping at the first error) and returns its standard output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let result = try runCapturing(
            bindir + "/psql",
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url(database: database), "-c", sql])
        guard result.status == 0 else {
            throw NSError(
                domain: "psql", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        return result.stdout
    }

    /// Runs the SQL file at `path` with psql.
    public func psql(file path: String, database: String) throws {
        let result = try runCapturing(
            bindir + "/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url(database: database), "-f", path])
        guard result.status == 0 else {
            throw NSError(
                domain: "psql", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
    }

    /// `pg_dump --schema-only` of `database`.
    public func schemaDump(database: String) throws -> String {
        let result = try runCapturing(bindir + "/pg_dump", ["--schema-only", "-d", url(database: database)])
        guard result.status == 0 else {
            throw NSError(
                domain: "pg_dump", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        return result.stdout
    }
}
