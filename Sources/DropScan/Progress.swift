import Foundation
import Synchronization

/// A one-line progress display on stderr, only when stderr is a terminal; silent otherwise so that
/// output stays machine-readable. Workers report through atomics; a timer thread redraws.
final class Progress: Sendable {
    private let totalFiles: Int
    private let enabled: Bool
    private let filesDone = Atomic<Int>(0)
    private let bytesDone = Atomic<Int64>(0)
    private let stopped = Atomic<Bool>(false)
    private let start = Date()

    init(totalFiles: Int, enabled: Bool) {
        self.totalFiles = totalFiles
        self.enabled = enabled && isatty(2) == 1
        if self.enabled {
            let thread = Thread { [self] in
                while !stopped.load(ordering: .relaxed) {
                    draw()
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
            thread.start()
        }
    }

    /// Bytes scanned within a file, as they go (so that one large file shows progress too).
    func advance(bytes: Int64) {
        guard enabled else { return }
        bytesDone.add(bytes, ordering: .relaxed)
    }

    func fileDone(bytes: Int64) {
        filesDone.add(1, ordering: .relaxed)
        bytesDone.add(bytes, ordering: .relaxed)
    }

    func finish() {
        guard enabled else { return }
        stopped.store(true, ordering: .relaxed)
        StandardError.write("\r\u{1B}[K")
    }

    private func draw() {
        let files = filesDone.load(ordering: .relaxed)
        let mebibytes = Double(bytesDone.load(ordering: .relaxed)) / 1_048_576
        let seconds = Date().timeIntervalSince(start)
        StandardError.write(
            String(
                format: "\r\u{1B}[Kscanning: %d/%d files, %.1f MiB scanned, %.1f s", files, totalFiles, mebibytes,
                seconds)
        )
    }
}

/// Writes to file descriptor 2 (Swift 6 forbids touching C's `stderr` global).
public enum StandardError {
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                Foundation.write(2, $0.baseAddress! + offset, $0.count - offset)
            }
            if written <= 0 { return }
            offset += written
        }
    }
}
