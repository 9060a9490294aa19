import Foundation
import Report

/// A report that could not be written, as one plain sentence (exit code 2).
public struct WriteError: Error, CustomStringConvertible {
    public let description: String
}

/// The report files a command was asked to write, and the summary on stderr.
struct ReportOutputs {
    var json: String?
    var markdown: String?
    var sarif: String?
    /// Links and the Markdown budget; the blocking tiers are the report's own (`run.policy`).
    var options = ReportOptions()

    private var requested: [(option: String, path: String)] {
        [("--json", json), ("--markdown", markdown), ("--sarif", sarif)].compactMap { option, path in
            path.map { (option, $0) }
        }
    }

    /// Standard output can hold one report.
    func validate() throws {
        let toStdout = requested.filter { $0.path == "-" }.map(\.option)
        if toStdout.count > 1 {
            throw UsageError(
                "\(toStdout.joined(separator: " - and ")) - all ask for standard output, which can hold one report: write the others to files"
            )
        }
    }

    var usesStandardOutput: Bool { requested.contains { $0.path == "-" } }

    /// Writes the report in each format asked for, and the summary on stderr when `summary` is set. Every
    /// format is attempted even after one fails, so that no report of an earlier run is left beside this
    /// run's; the error then holds one sentence per file that could not be written.
    func emit(_ report: UsageReport, summary: Bool) throws {
        var failures: [String] = []
        func attempt(_ path: String?, _ format: String, _ render: () throws -> Data) {
            guard let path else { return }
            do {
                try Self.write(try render(), to: path, format: format)
            } catch {
                failures.append("\(error)")
            }
        }
        attempt(json, "JSON") { try JSONReporter().render(report) }
        attempt(markdown, "Markdown") { try MarkdownReporter(options: options).render(report) }
        attempt(sarif, "SARIF") { try SARIFReporter(options: options).render(report) }
        if summary {
            StandardError.write(String(decoding: try SummaryReporter(options: options).render(report), as: UTF8.self))
        }
        if !failures.isEmpty { throw WriteError(description: failures.joined(separator: "\ndropscan: ")) }
    }

    /// Writes `data` to `path` (`-`: standard output), creating its folder. A file is written whole or not at
    /// all: into a temporary file in the same folder, flushed to disk, then renamed over `path`, so a reader
    /// never sees half a report. A path that names a device or pipe (`/dev/stdout`) is written to directly.
    /// A failure is one sentence that names the file and the system's reason; the previous report at `path`
    /// is then removed, so that it cannot be taken for this run's.
    static func write(_ data: Data, to path: String, format: String) throws(WriteError) {
        if path == "-" {
            do {
                try StandardOutput.write(data)
            } catch {
                throw WriteError(description: "cannot write the \(format) report to standard output: \(error.reason).")
            }
            return
        }
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            var sentence = "cannot write the \(format) report to \(path): \(error.reason)"
            if let previous = AtomicFile.removeStale(path) { sentence += " (\(previous))" }
            throw WriteError(description: sentence + ".")
        }
    }
}

/// Why a write failed: the system's reason, or what could not be done.
struct WriteFailure: Error {
    let reason: String

    init(_ reason: String) { self.reason = reason }

    init(errno code: Int32) {
        switch code {
        case EPIPE: reason = "\(String(cString: strerror(code))) (the program reading it stopped)"
        default: reason = String(cString: strerror(code))
        }
    }
}

/// Writes to standard output with `write(2)`, reporting errors (EPIPE when the reader has gone: SIGPIPE is
/// ignored) instead of dying or losing the text silently.
enum StandardOutput {
    static func write(_ data: Data) throws(WriteFailure) {
        try AtomicFile.writeAll(data, to: 1)
    }

    static func write(_ text: String) throws(WriteFailure) { try write(Data(text.utf8)) }
}

/// A file replaced whole: a temporary file beside it, `fsync`, `rename`.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws(WriteFailure) {
        var destination = path
        var existing = stat()
        if lstat(path, &existing) == 0, existing.st_mode & S_IFMT == S_IFLNK {
            // Replace the file the link points at, not the link.
            if let resolved = realpath(path, nil) {
                destination = String(cString: resolved)
                free(resolved)
            }
        }
        let exists = stat(destination, &existing) == 0
        if exists && existing.st_mode & S_IFMT == S_IFDIR { throw WriteFailure(errno: EISDIR) }
        if exists && existing.st_mode & S_IFMT != S_IFREG {
            // A device or a pipe (`/dev/stdout`, `/dev/null`): there is no file to replace.
            let descriptor = open(destination, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw WriteFailure(errno: errno) }
            defer { close(descriptor) }
            try writeAll(data, to: descriptor)
            return
        }
        let directory = (destination as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw WriteFailure("its folder cannot be created")
            }
        }
        let name = (destination as NSString).lastPathComponent
        let prefix = directory.isEmpty ? "" : directory + "/"
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<16 where descriptor < 0 {
            temporary = prefix + ".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor < 0 && errno != EEXIST { throw WriteFailure(errno: errno) }
        }
        guard descriptor >= 0 else { throw WriteFailure(errno: EEXIST) }
        do throws(WriteFailure) {
            // The report keeps the permissions of the one it replaces.
            if exists { fchmod(descriptor, existing.st_mode & 0o7777) }
            try writeAll(data, to: descriptor)
            guard fsync(descriptor) == 0 else { throw WriteFailure(errno: errno) }
            let closed = close(descriptor)
            descriptor = -1
            guard closed == 0 else { throw WriteFailure(errno: errno) }
            guard rename(temporary, destination) == 0 else { throw WriteFailure(errno: errno) }
        } catch {
            if descriptor >= 0 { close(descriptor) }
            unlink(temporary)
            throw error
        }
        // The rename itself reaches the disk with the folder.
        let folder = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// Removes the regular file at `path` after a failed write; says what became of it, or `nil` when there
    /// was none.
    static func removeStale(_ path: String) -> String? {
        var existing = stat()
        guard stat(path, &existing) == 0, existing.st_mode & S_IFMT == S_IFREG else { return nil }
        if unlink(path) == 0 { return "the previous report there was removed" }
        return "the report there is an earlier run's"
    }

    static func writeAll(_ data: Data, to descriptor: Int32) throws(WriteFailure) {
        var failed: Int32 = 0
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = errno
                    return
                }
                offset += written
            }
        }
        if failed != 0 { throw WriteFailure(errno: failed) }
    }
}
