import Foundation
import Report
import ScanIO

/// The times and inputs a report records (`run` in the JSON).
enum RunClock {
    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Each file with its size and identity (`device:inode`), sorted by path; a file that cannot be
    /// stat'ed any more keeps the identity `unknown` (its read error is in the coverage).
    static func records(_ files: [InputFile]) -> [InputRecord] {
        files.map { file in
            var info = stat()
            let identity = stat(file.path, &info) == 0 ? "\(info.st_dev):\(info.st_ino)" : "unknown"
            return InputRecord(kind: file.kind.rawValue, path: file.path, size: file.size, identity: identity)
        }.sorted { ($0.path, $0.kind) < ($1.path, $1.kind) }
    }
}
