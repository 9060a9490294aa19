import Crypto
import Foundation
import Ledger
import ScanIO

/// A log file as a sweep sees it: where it is, what it is (its identity), and what of it is new.
struct SweptFile: Sendable {
    var file: InputFile
    /// The server its reads are recorded under.
    var server = ""
    var identity: FileIdentity
    /// Its first bytes of text (at most ``FileIdentity/headBytes``), to match files the ledger knows by a
    /// shorter head.
    var head: [UInt8]
    var device: Int64
    var inode: Int64
    var compressed: Bool
    /// The ledger's record of it, if it has one.
    var known: LedgerFile?
    /// The stretch to read, or `nil` when nothing is new.
    var slice: LogSlice?
    /// One sentence for the user when the file is read again from its start.
    var note: String?
}

/// Identifies log files by content and decides what of each a sweep reads.
enum SweepPlanner {
    /// The identity of the file at `path`: a hash of its first bytes of text (decompressed).
    static func identify(_ file: InputFile) throws(ReadError) -> SweptFile {
        var status = stat()
        guard stat(file.path, &status) == 0 else {
            throw ReadError(
                path: file.path, offset: 0, kind: .read, message: "cannot stat: \(String(cString: strerror(errno)))")
        }
        let source = try openByteSource(path: file.path)
        var head = [UInt8](repeating: 0, count: FileIdentity.headBytes)
        var filled = 0
        while filled < head.count {
            let start = filled
            var failure: ReadError?
            let count = head.withUnsafeMutableBytes { buffer in
                do {
                    return try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]))
                } catch {
                    failure =
                        error as? ReadError ?? ReadError(path: file.path, offset: 0, kind: .read, message: "\(error)")
                    return 0
                }
            }
            if let failure { throw failure }
            if count == 0 { break }
            filled += count
        }
        head.removeSubrange(filled...)
        return SweptFile(
            file: file, identity: FileIdentity(digest: digest(head[...]), headLength: head.count), head: head,
            device: Int64(status.st_dev), inode: Int64(status.st_ino), compressed: !(source is PlainFileSource))
    }

    static func digest(_ bytes: ArraySlice<UInt8>) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `identity` falls in shard `index` (0-based) of `count`: by its hash, so that every copy of
    /// a file (`postgresql.log.1`, `postgresql.log.1.gz`) is in the same shard.
    static func inShard(_ identity: FileIdentity, index: Int, count: Int) -> Bool {
        guard count > 1 else { return true }
        let prefix = UInt64(identity.digest.prefix(16), radix: 16) ?? 0
        return Int(prefix % UInt64(count)) == index
    }

    /// Looks `file` up in the ledger and decides the stretch to read.
    static func plan(_ file: inout SweptFile, server: String, ledger: Ledger, shortHeads: [Int]) throws(LedgerError) {
        var known = try ledger.file(server: server, identity: file.identity)
        // A file that was small when last read is known by its shorter head.
        for length in shortHeads.reversed() where known == nil && length < file.head.count {
            known = try ledger.file(
                server: server, identity: FileIdentity(digest: digest(file.head[0..<length]), headLength: length))
        }
        file.known = known
        if known == nil, file.identity.headLength > 0 {
            // New content where the ledger read other content: a truncated (copytruncate) or replaced file.
            let earlier = try ledger.files(server: server, path: file.file.path).filter {
                $0.inode == file.inode && $0.device == file.device && $0.identity != file.identity
            }
            if let previous = earlier.first {
                file.note =
                    "\(file.file.path) holds new content since the last sweep (it was truncated or replaced after \(previous.consumed) bytes were read): read from its start"
            }
        }
        let end = file.compressed ? nil : try? lastLineEnd(file.file.path)
        guard let known else {
            file.slice = file.identity.headLength == 0 ? nil : LogSlice(start: 0, startLine: 1, end: end)
            return
        }
        if known.complete { return }
        // A file shorter than what was counted, with the same first bytes, is a partial copy of it: nothing new.
        // (A truncated file that is written again has other first bytes: it is new content, said so above.)
        if let end, end <= known.consumed { return }
        file.slice = LogSlice(start: known.consumed, startLine: Int(known.consumedLines), end: end)
    }

    /// The offset just past the last newline of a plain file: where its complete lines end (a line still
    /// being written is left for the next sweep).
    static func lastLineEnd(_ path: String) throws -> Int64 {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ReadError(
                path: path, offset: 0, kind: .read, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return 0 }
        var end = Int64(status.st_size)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let start = max(0, end - Int64(buffer.count))
            let count = Int(end - start)
            let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(start)) }
            guard read == count else { return 0 }
            if let index = buffer[0..<count].lastIndex(of: 10) { return start + Int64(index) + 1 }
            end = start
        }
        return 0
    }
}
