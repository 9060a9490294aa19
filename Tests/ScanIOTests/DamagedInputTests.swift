import Foundation
import TestSupport
import Testing

@testable import ScanIO

/// Files that change under the reader, empty gzip, and inputs that are not regular files: each is an error
/// (or a listed skip) with its path and byte offset, never a quiet end of input.
@Suite struct ChangingFileTests {
    static let sample = (1...3000).map { "2024-05-02 10:15:42.123 UTC [\($0)] LOG:  statement: SELECT \($0)\n" }
        .joined()

    /// Reads `count` bytes (one call) from `source`.
    func readOnce(_ source: ByteSource, _ count: Int) throws -> Int {
        var buffer = [UInt8](repeating: 0, count: count)
        return try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
    }

    /// Reads `source` to its end and returns the bytes read, or throws the error met.
    func readRest(_ source: ByteSource) throws -> Int {
        var total = 0
        while true {
            let count = try readOnce(source, 4096)
            if count == 0 { return total }
            total += count
        }
    }

    func expectChanged(_ source: ByteSource, offset: Int64, saying words: String) {
        do {
            let count = try readRest(source)
            Issue.record("read \(count) more bytes and ended cleanly; expected a `changed` error")
        } catch let error as ReadError {
            #expect(error.kind == .changed)
            #expect(error.offset == offset)
            #expect(error.message.contains(words), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aFileTruncatedWhileReadIsAnErrorAtTheOffsetReached() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("postgresql.log", Self.sample)
        let source = try PlainFileSource(path: path)
        #expect(try readOnce(source, 4096) == 4096)
        #expect(truncate(path, 1000) == 0)
        expectChanged(source, offset: 4096, saying: "shrank")
    }

    /// logrotate's copytruncate: the file is emptied, and the server goes on writing into it.
    @Test func aFileEmptiedAndWrittenAgainWhileReadIsAnError() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("postgresql.log", Self.sample)
        let source = try PlainFileSource(path: path)
        #expect(try readOnce(source, 4096) == 4096)
        #expect(truncate(path, 0) == 0)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.write(
            Data(String(repeating: "2024-05-02 10:16:00.000 UTC [9] LOG:  statement: SELECT 1\n", count: 200).utf8))
        try handle.close()
        // 200 lines of 58 bytes = 11600 bytes now; the reader goes on from 4096 to that end.
        expectChanged(source, offset: 11600, saying: "shrank")
    }

    @Test func aFileRotatedByRenamingWhileReadIsAnErrorAtItsEnd() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("postgresql.log", Self.sample)
        let source = try PlainFileSource(path: path)
        #expect(try readOnce(source, 4096) == 4096)
        #expect(rename(path, path + ".1") == 0)
        try dir.write("postgresql.log", "2024-05-02 10:16:00.000 UTC [9] LOG:  statement: SELECT 1\n")
        expectChanged(source, offset: Int64(Self.sample.utf8.count), saying: "another file")
    }

    @Test func aFileDeletedWhileReadIsAnErrorAtItsEnd() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("postgresql.log", Self.sample)
        let source = try PlainFileSource(path: path)
        #expect(try readOnce(source, 4096) == 4096)
        #expect(unlink(path) == 0)
        expectChanged(source, offset: Int64(Self.sample.utf8.count), saying: "renamed or deleted")
    }

    @Test func aFileThatGrowsWhileReadIsReadToItsNewEnd() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("postgresql.log", Self.sample)
        let source = try PlainFileSource(path: path)
        #expect(try readOnce(source, 4096) == 4096)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("2024-05-02 10:16:00.000 UTC [9] LOG:  statement: SELECT 1\n".utf8))
        try handle.close()
        #expect(try readRest(source) == Self.sample.utf8.count + 58 - 4096)
    }

    @Test func anEmptyFileNamedGzIsNotAGzipStream() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("postgresql-2024-05-02.log.gz", Data())
        do {
            let source = try openByteSource(path: path)
            _ = try readRest(source)
            Issue.record("an empty .gz must not read as an empty log")
        } catch let error as ReadError {
            #expect(error.kind == .truncated)
            #expect(error.offset == 0)
            #expect(error.message.contains("not a gzip stream"))
        }
    }

    @Test func anEmptyPlainFileIsAnEmptyLog() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("postgresql.log", Data())
        #expect(try readRest(try openByteSource(path: path)) == 0)
    }

    @Test func aGzipReaderOverNoBytesAtAllIsAnError() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("empty", Data())
        let gzip = try GzipSource(wrapping: try PlainFileSource(path: path))
        #expect(throws: ReadError.self) { try readRest(gzip) }
    }
}

@Suite struct NonRegularInputTests {
    /// A Unix socket file, made by Python (a real `bind`), left behind when it exits.
    func makeSocket(_ path: String) throws {
        try run(
            "/usr/bin/python3", ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path])
    }

    @Test func aFIFOIsRefusedWhenOpenedWithoutWaitingForAWriter() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/pipe.log"
        #expect(mkfifo(path, 0o600) == 0)
        do {
            _ = try PlainFileSource(path: path)
            Issue.record("a FIFO must not be opened as a log")
        } catch {
            #expect(error.kind == .unsupported)
            #expect(error.offset == 0)
            #expect(error.message.contains("named pipe (FIFO)"))
        }
    }

    @Test func namedFIFOsSocketsAndDevicesAreErrorsWithTheirKind() throws {
        let dir = try TemporaryDirectory()
        #expect(mkfifo(dir.path + "/pipe.log", 0o600) == 0)
        try makeSocket(dir.path + "/sock.log")
        var set = InputSet()
        InputWalker().addLogs([dir.path + "/pipe.log", dir.path + "/sock.log", "/dev/null"], to: &set)
        #expect(set.files.isEmpty)
        #expect(set.errors.map(\.path) == [dir.path + "/pipe.log", dir.path + "/sock.log", "/dev/null"])
        #expect(set.errors[0].message.hasPrefix("a named pipe (FIFO), not a regular file"))
        #expect(set.errors[1].message.hasPrefix("a socket, not a regular file"))
        #expect(set.errors[2].message.hasPrefix("a character device, not a regular file"))

        var listed = InputSet()
        InputWalker().addList("\(dir.path)/pipe.log\n", listName: "shard.txt", to: &listed)
        #expect(listed.files.isEmpty)
        #expect(listed.errors.first?.kind == .unsupported)
    }

    @Test func fifosAndSocketsFoundInADirectoryAreSkippedAndListed() throws {
        let dir = try TemporaryDirectory()
        try dir.write("logs/postgresql.log", "x\n")
        #expect(mkfifo(dir.path + "/logs/pipe", 0o600) == 0)
        try makeSocket(dir.path + "/logs/sock")
        var set = InputSet()
        InputWalker().addLogs([dir.path + "/logs"], to: &set)
        InputWalker().addSources([dir.path + "/logs"], to: &set)
        #expect(set.files.map { ($0.path as NSString).lastPathComponent } == ["postgresql.log", "postgresql.log"])
        #expect(set.errors.isEmpty)
        #expect(set.skipped.map { ($0.path as NSString).lastPathComponent } == ["pipe", "sock", "pipe", "sock"])
        #expect(set.skipped[0].reason.hasPrefix("a named pipe (FIFO)"))
        #expect(set.skipped[1].reason.hasPrefix("a socket"))
    }
}
