import CIsal
import CZlib
import Foundation

/// A file that could not be read fully: the path, where (a byte offset) and what happened.
///
/// For compressed files `offset` is the offset in the compressed file; `decompressedOffset` says how much
/// usable output came before the problem.
public struct ReadError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case open, read, truncated, corrupt, unsupported, vanished, tooLarge
        /// The file shrank, or its path came to name another file, while it was read.
        case changed
    }
    public let path: String
    public let offset: Int64
    public let decompressedOffset: Int64?
    public let kind: Kind
    public let message: String

    public init(path: String, offset: Int64, decompressedOffset: Int64? = nil, kind: Kind, message: String) {
        self.path = path
        self.offset = offset
        self.decompressedOffset = decompressedOffset
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(path): at byte \(offset): \(message)" }

    static func fromErrno(_ code: Int32, path: String, offset: Int64, opening: Bool) -> ReadError {
        let text = String(cString: strerror(code))
        if code == ENOENT {
            return ReadError(path: path, offset: offset, kind: .vanished, message: "file vanished: \(text)")
        }
        let hint = code == EACCES ? " (check the file's permissions)" : ""
        return ReadError(path: path, offset: offset, kind: opening ? .open : .read, message: "\(text)\(hint)")
    }
}

/// A source of bytes read in chunks. `read` returns 0 at the end.
public protocol ByteSource: AnyObject {
    var path: String { get }
    /// Bytes consumed from the underlying file so far (compressed bytes for a compressed file).
    var fileOffset: Int64 { get }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadError) -> Int
}

/// A regular file read with POSIX `read(2)` in large chunks.
///
/// Only regular files are read: a FIFO, socket or device is refused when opened (it is opened without
/// blocking, so a FIFO without a writer cannot hang the scan). A file that shrinks while it is read
/// (truncated, or rotated with `copytruncate`), or whose path names another file by the end (rotated by
/// renaming, replaced, deleted), is an error of kind `changed` at the end: what was read is still used, but
/// the file as a whole was not. A file that only grew is fine.
public final class PlainFileSource: ByteSource {
    public let path: String
    public private(set) var fileOffset: Int64 = 0
    private let descriptor: Int32
    private let device: UInt64
    private let inode: UInt64
    private let sizeWhenOpened: Int64
    private var checkedAtEnd = false

    public init(path: String) throws(ReadError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ReadError.fromErrno(errno, path: path, offset: 0, opening: true) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw ReadError.fromErrno(code, path: path, offset: 0, opening: true)
        }
        if let kind = FileType.nonRegular(info.st_mode) {
            close(fd)
            throw ReadError(path: path, offset: 0, kind: .unsupported, message: FileType.refusal(kind))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        descriptor = fd
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        sizeWhenOpened = Int64(info.st_size)
        #if os(Linux)
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
    }

    deinit { close(descriptor) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadError) -> Int {
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 || (count == 0 && buffer.count == 0) {
                fileOffset += Int64(count)
                return count
            }
            if count == 0 {
                try checkUnchangedAtEnd()
                return 0
            }
            if errno == EINTR { continue }
            throw ReadError.fromErrno(errno, path: path, offset: fileOffset, opening: false)
        }
    }

    /// At the end: the file did not shrink under the reader, and its path still names it.
    private func checkUnchangedAtEnd() throws(ReadError) {
        guard !checkedAtEnd else { return }
        checkedAtEnd = true
        var now = stat()
        let currentSize = fstat(descriptor, &now) == 0 ? Int64(now.st_size) : fileOffset
        if fileOffset < sizeWhenOpened || currentSize < fileOffset {
            throw ReadError(
                path: path, offset: fileOffset, kind: .changed,
                message:
                    "the file shrank while it was read (\(sizeWhenOpened) bytes when opened, \(currentSize) now, "
                    + "\(fileOffset) read): it was truncated or rotated with copytruncate, so part of it was not read; "
                    + "scan rotated logs once they are complete")
        }
        var atPath = stat()
        if fstatat(AT_FDCWD, path, &atPath, 0) != 0 {
            throw ReadError(
                path: path, offset: fileOffset, kind: .changed,
                message:
                    "the file was renamed or deleted while it was read (rotated?), so what now follows it was not read; "
                    + "scan rotated logs once they are complete")
        }
        if UInt64(atPath.st_dev) != device || UInt64(atPath.st_ino) != inode {
            throw ReadError(
                path: path, offset: fileOffset, kind: .changed,
                message:
                    "the path names another file than when it was opened (rotated or replaced while it was read), "
                    + "so the new file was not read; scan rotated logs once they are complete")
        }
    }

    /// The first bytes of the file without consuming them (for format and compression detection).
    public func peek(_ count: Int) throws(ReadError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, 0) }
        guard got >= 0 else { throw ReadError.fromErrno(errno, path: path, offset: 0, opening: false) }
        return Array(bytes[0..<got])
    }
}

/// gzip decompressed member after member (`cat a.gz b.gz` is valid gzip): by ISA-L's igzip (SIMD, several
/// times zlib's speed) when the source can be opened again, else by zlib's streaming `inflate`.
///
/// On any problem igzip meets (damage, truncation, a failed check, trailing bytes), the file is opened again
/// and zlib inflates it from the start, skipping the bytes already handed on: zlib then meets the same
/// problem and reports it in its own words, so that a report says the same with either. `DROPSCAN_INFLATE=zlib`
/// uses zlib throughout (to compare them).
///
/// Owns a `z_stream` (initialised with `inflateInit2_`, window bits 15 + 32 for gzip headers) and a 256 KiB
/// input buffer; output goes straight into the caller's buffer.
///
/// gzip checks a member's CRC-32 and length only at its end, after its output was handed on, so a failed
/// check is reported with the member's start (compressed and decompressed) and the decompressed range that
/// cannot be trusted. Damage that breaks the deflate data itself stops inflate within a few bytes of it.
public final class GzipSource: ByteSource {
    public let path: String
    public var fileOffset: Int64 {
        inner.fileOffset - Int64(igzip.map { $0.state.pointee.avail_in } ?? UInt32(stream.avail_in))
    }
    public private(set) var decompressedOffset: Int64 = 0
    /// The member being read: its number (from 1) and where it starts in the file and in the output.
    private var member = (number: 1, offset: Int64(0), decompressedOffset: Int64(0))
    private var inner: ByteSource
    private var stream = z_stream()
    /// The fast path while it lasts; `nil` once zlib has taken over (or from the start without `reopen`).
    private var igzip: IgzipState?
    /// Opens the compressed bytes again from their start, for zlib to take over from igzip.
    private let reopen: (() throws(ReadError) -> ByteSource)?
    private let input: UnsafeMutableRawBufferPointer
    private var innerAtEnd = false
    private var memberEnded = false
    private var finished = false
    /// An error met after some output was produced: that output is returned first, the error next call.
    private var pendingError: ReadError?

    /// Reads the gzip stream of `inner`; with `reopen` (which opens the same bytes again from their start),
    /// through igzip until a problem.
    public init(wrapping inner: ByteSource, reopen: (() throws(ReadError) -> ByteSource)? = nil) throws(ReadError) {
        self.inner = inner
        self.reopen = reopen
        if reopen != nil && ProcessInfo.processInfo.environment["DROPSCAN_INFLATE"] != "zlib" { igzip = IgzipState() }
        path = inner.path
        input = .allocate(byteCount: 256 * 1024, alignment: 16)
        let status = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate()
            throw ReadError(path: path, offset: 0, kind: .corrupt, message: "zlib could not start (status \(status))")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadError) -> Int {
        if let pendingError {
            self.pendingError = nil
            finished = true
            throw pendingError
        }
        if finished { return 0 }
        if let igzip {
            do {
                return try igzip.read(
                    into: buffer, from: inner, innerAtEnd: &innerAtEnd, delivered: &decompressedOffset)
            } catch {
                // igzip met a problem: zlib reads the file again and reports it (or reads on).
                try handOverToZlib()
            }
        }
        do {
            return try inflateInto(buffer)
        } catch {
            // Hand over what was recovered before the problem; report the problem on the next call.
            let count = produced(buffer)
            guard count > 0 else {
                finished = true
                throw error
            }
            decompressedOffset += Int64(count)
            pendingError = error
            return count
        }
    }

    private func inflateInto(_ buffer: UnsafeMutableRawBufferPointer) throws(ReadError) -> Int {
        stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(buffer.count)
        while stream.avail_out > 0 {
            if stream.avail_in == 0 && !innerAtEnd {
                let count = try inner.read(into: input)
                if count == 0 {
                    innerAtEnd = true
                } else {
                    stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_in = uInt(count)
                }
            }
            if stream.avail_in == 0 && innerAtEnd {
                if memberEnded {
                    finished = true
                    break
                }
                if decompressedOffset == 0 && stream.total_in == 0 && produced(buffer) == 0 {
                    throw ReadError(
                        path: path, offset: 0, decompressedOffset: 0, kind: .truncated,
                        message:
                            "empty, so not a gzip stream (gzip holds at least one member of 20 bytes): the compression "
                            + "or the copy that made it did not finish; restore the file or leave it out")
                }
                throw ReadError(
                    path: path, offset: fileOffset, decompressedOffset: decompressedOffset + Int64(produced(buffer)),
                    kind: .truncated,
                    message:
                        "gzip data ends early (truncated file): \(decompressedOffset + Int64(produced(buffer))) bytes were recovered"
                )
            }
            if memberEnded {
                // Another gzip member follows (or trailing garbage, which inflate rejects below).
                inflateReset(&stream)
                memberEnded = false
                member = (member.number + 1, fileOffset, decompressedOffset + Int64(produced(buffer)))
            }
            let status = inflate(&stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                memberEnded = true
            default:
                throw corruption(status: status, producedUpTo: decompressedOffset + Int64(produced(buffer)))
            }
        }
        let count = produced(buffer)
        decompressedOffset += Int64(count)
        return count
    }

    private func produced(_ buffer: UnsafeMutableRawBufferPointer) -> Int { buffer.count - Int(stream.avail_out) }

    /// Opens the file again for zlib and inflates (and drops) the bytes igzip already handed on.
    private func handOverToZlib() throws(ReadError) {
        igzip = nil
        guard let reopen else { return }
        inner = try reopen()
        innerAtEnd = false
        let target = decompressedOffset
        decompressedOffset = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while decompressedOffset < target {
            let want = Int(min(Int64(scratch.count), target - decompressedOffset))
            let count = try inflateInto(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<want]))
            if count == 0 { break }
        }
    }

    /// The error for an `inflate` failure, output having reached `end`. zlib's messages for the gzip trailer
    /// (inflate.c) tell a failed check from damaged deflate data. Reports print "path at byte OFFSET: message".
    private func corruption(status: Int32, producedUpTo end: Int64) -> ReadError {
        let detail = stream.msg.map { String(cString: $0) } ?? "status \(status)"
        let range = "\(member.decompressedOffset)–\(end)"
        let advice = "restore the file from a good copy (`gzip -t` tests one)"
        if detail == "incorrect data check" || detail == "incorrect length check" {
            let check = detail == "incorrect data check" ? "CRC-32" : "length"
            return ReadError(
                path: path, offset: member.offset, decompressedOffset: member.decompressedOffset, kind: .corrupt,
                message:
                    "gzip member \(member.number) starts here and fails its \(check) check: its decompressed bytes "
                    + "\(range) were read but are damaged somewhere (gzip checks a member only at its end); \(advice)")
        }
        let before =
            end > member.decompressedOffset
            ? "its decompressed bytes \(range) before this were read unchecked, nothing after"
            : "nothing of it or after it was read"
        return ReadError(
            path: path, offset: fileOffset, decompressedOffset: end, kind: .corrupt,
            message:
                "corrupt gzip data (\(detail)) in member \(member.number), which starts at byte \(member.offset): "
                + "\(before); \(advice)")
    }
}

/// The compression a file's first bytes announce (magic numbers, not names: names lie after rotation).
public enum Compression: String, Sendable {
    case none, gzip, bzip2, xz, zstd, zip, lz4

    public static func detect(_ head: [UInt8]) -> Compression {
        func starts(_ magic: [UInt8]) -> Bool { head.count >= magic.count && Array(head[0..<magic.count]) == magic }
        if starts([0x1f, 0x8b]) { return .gzip }
        if starts([0x42, 0x5a, 0x68]) { return .bzip2 }
        if starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        if starts([0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if starts([0x50, 0x4b, 0x03, 0x04]) { return .zip }
        if starts([0x04, 0x22, 0x4d, 0x18]) { return .lz4 }
        return .none
    }

    /// Whether a file name claims gzip (`.gz`, `.gzip`, `.tgz`, any case).
    public static func nameSaysGzip(_ path: String) -> Bool {
        let name = path.lowercased()
        return name.hasSuffix(".gz") || name.hasSuffix(".gzip") || name.hasSuffix(".tgz")
    }
}

/// File types other than regular files and directories, which are never read as inputs.
public enum FileType {
    /// What a non-regular, non-directory `st_mode` is (`a named pipe (FIFO)`), or `nil` for a regular file or
    /// a directory.
    public static func nonRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG, S_IFDIR: return nil
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "not a regular file"
        }
    }

    /// Why such a file is not read, and what to do instead.
    public static func refusal(_ kind: String) -> String {
        "\(kind), not a regular file: not read, since reading it may never end or block forever; "
            + "copy the log into a regular file to scan it"
    }
}

/// Opens a file for streaming: plain or gzip by its magic bytes; other compressions are an error that
/// says how to proceed.
///
/// An empty file is an empty log, unless its name says gzip: a gzip stream is never empty, so an empty
/// `.gz` is a compression or copy that did not finish, and an error.
public func openByteSource(path: String) throws(ReadError) -> ByteSource {
    let plain = try PlainFileSource(path: path)
    let head = try plain.peek(8)
    let reopen = { () throws(ReadError) -> ByteSource in try PlainFileSource(path: path) }
    if head.isEmpty && Compression.nameSaysGzip(path) { return try GzipSource(wrapping: plain, reopen: reopen) }
    let compression = Compression.detect(head)
    switch compression {
    case .none: return plain
    case .gzip: return try GzipSource(wrapping: plain, reopen: reopen)
    default:
        throw ReadError(
            path: path, offset: 0, kind: .unsupported,
            message:
                "\(compression.rawValue)-compressed files are not supported: decompress it first or recompress with gzip"
        )
    }
}

/// ISA-L's inflate state (about 100 KiB, on the heap), gzip wrapper on, member after member.
///
/// ## Thread safety
/// Owned by one `GzipSource`, used by one thread at a time; freed in `deinit`.
final class IgzipState {
    let state: UnsafeMutablePointer<inflate_state>
    private let input: UnsafeMutableRawBufferPointer

    /// Why igzip stopped: zlib takes over and says it precisely.
    struct Problem: Error {}

    init() {
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
        input = .allocate(byteCount: 256 * 1024, alignment: 64)
    }

    deinit {
        state.deallocate()
        input.deallocate()
    }

    /// Fills `buffer` from `inner`'s gzip members; returns 0 at the end of the last member. Throws ``Problem``
    /// (having handed on nothing of this call) for anything but clean gzip, a read error of `inner` as it is.
    func read(
        into buffer: UnsafeMutableRawBufferPointer, from inner: ByteSource, innerAtEnd: inout Bool,
        delivered: inout Int64
    ) throws -> Int {
        let capacity = UInt32(min(buffer.count, Int(UInt32.max)))
        state.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_out = capacity
        while state.pointee.avail_out > 0 {
            if state.pointee.avail_in == 0 && !innerAtEnd {
                let count = try inner.read(into: input)
                if count == 0 {
                    innerAtEnd = true
                } else {
                    state.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    state.pointee.avail_in = UInt32(count)
                }
            }
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                if state.pointee.avail_in == 0 {
                    if innerAtEnd { break }
                    continue
                }
                // Another member follows.
                isal_inflate_reset(state)
                state.pointee.crc_flag = UInt32(ISAL_GZIP)
            }
            if state.pointee.avail_in == 0 && innerAtEnd { throw Problem() }  // truncated, or empty
            let before = (state.pointee.avail_in, state.pointee.avail_out)
            guard isal_inflate(state) >= 0 else { throw Problem() }
            if (state.pointee.avail_in, state.pointee.avail_out) == before
                && state.pointee.block_state != ISAL_BLOCK_FINISH
            {
                // No progress: more input may help, else zlib says what is wrong.
                if state.pointee.avail_in == 0 && !innerAtEnd { continue }
                throw Problem()
            }
        }
        let count = Int(capacity - state.pointee.avail_out)
        delivered += Int64(count)
        return count
    }
}
