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

    /// Writes the report in each format asked for, and the summary on stderr when `summary` is set.
    func emit(_ report: UsageReport, summary: Bool) throws {
        if let json { try Self.write(try JSONReporter().render(report), to: json, format: "JSON") }
        if let markdown {
            try Self.write(try MarkdownReporter(options: options).render(report), to: markdown, format: "Markdown")
        }
        if let sarif { try Self.write(try SARIFReporter(options: options).render(report), to: sarif, format: "SARIF") }
        if summary {
            StandardError.write(String(decoding: try SummaryReporter(options: options).render(report), as: UTF8.self))
        }
    }

    /// Writes `data` to `path` (`-`: standard output), creating its folder; a failure is one sentence that
    /// names the file and the system's reason.
    static func write(_ data: Data, to path: String, format: String) throws(WriteError) {
        let target = path == "-" ? "standard output" : path
        func failure(_ code: Int32) -> WriteError {
            WriteError(
                description: "cannot write the \(format) report to \(target): \(String(cString: strerror(code))).")
        }
        var descriptor: Int32 = 1
        if path != "-" {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw WriteError(
                        description: "cannot write the \(format) report to \(target): its folder cannot be created.")
                }
            }
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard descriptor >= 0 else { throw failure(errno) }
        }
        defer { if descriptor != 1 { close(descriptor) } }
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
        if failed != 0 { throw failure(failed) }
        if descriptor != 1, close(descriptor) != 0 {
            descriptor = 1
            throw failure(errno)
        }
        descriptor = 1
    }
}
