import CodeUsage
import Foundation
import Gate
import SQLResolution

/// Reads the change under review (`--diff BASE..HEAD`) with git: the files it touches, what kind each is,
/// and which are migrations that drop or rename something.
enum GitChange {
    /// The change between the two revisions of `range` in the repository at `repository`.
    static func read(range: String, repository: String) throws -> ChangeSet {
        let separator = range.contains("...") ? "..." : ".."
        let parts = range.components(separatedBy: separator)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw UsageError("--diff takes BASE..HEAD (two revisions), not '\(range)'")
        }
        let head = parts[1]
        for revision in parts {
            guard (try? git(["rev-parse", "--verify", "--quiet", revision + "^{commit}"], in: repository)) != nil else {
                throw UsageError(
                    "--diff: git cannot find \(revision) in \(repository) (on a shallow clone fetch it first, e.g. git fetch --depth=1 origin \(revision))"
                )
            }
        }
        let output = try git(["diff", "--name-status", "-z", "--no-renames", range], in: repository)
        let fields = output.split(separator: 0, omittingEmptySubsequences: true).map {
            String(decoding: $0, as: UTF8.self)
        }
        var files: [ChangeSet.File] = []
        var index = 0
        while index + 1 < fields.count {
            let status = fields[index]
            let path = fields[index + 1]
            index += 2
            let content = status == "D" ? [] : ((try? git(["show", "\(head):\(path)"], in: repository)) ?? [])
            let classification = FileClassification.classify(relativePath: path, head: content.prefix(4096))
            var destructive = false
            if status != "D", classification == .migration {
                destructive = try isDestructive(path: path, content: content, repository: repository)
            }
            files.append(
                ChangeSet.File(
                    path: path, status: status, classification: classification.rawValue, destructive: destructive))
        }
        return ChangeSet(range: range, files: files)
    }

    /// Whether a migration drops or renames anything; a file the migration reader does not know is not.
    static func isDestructive(path: String, content: [UInt8], repository: String) throws -> Bool {
        let text = String(decoding: content, as: UTF8.self)
        let full = (repository as NSString).appendingPathComponent(path)
        do {
            return try !MigrationReader.operations(in: text, path: full, neighbours: DiskNeighbourhood()).isEmpty
        } catch .unsupportedFile {
            return false
        } catch {
            throw UsageError("\(full): \(error)")
        }
    }

    /// Runs git and returns its standard output; a failure is a usage error with git's message.
    static func git(_ arguments: [String], in repository: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", repository] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw UsageError("--diff needs git, which cannot be started: \(error.localizedDescription)")
        }
        // Standard output is drained before waiting (a diff can be large); git's messages on standard
        // error are a few lines, well within a pipe's buffer.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw UsageError("git \(arguments.joined(separator: " ")) failed in \(repository): \(message)")
        }
        return Array(data)
    }
}
