import Foundation
import TestSupport
import Testing

@testable import ScanIO

/// `--follow` over links that loop, lead nowhere or reach a folder twice, and special files: each listed
/// once with its kind, and no file listed more than once.
@Suite struct WalkLoopTests {
    func followed(_ root: String) -> InputSet {
        var options = WalkOptions()
        options.followSymlinks = true
        var set = InputSet()
        InputWalker(options: options).addSources([root], to: &set)
        return set
    }

    @Test func aLinkBackToAnAncestorIsListedAsALoopAndItsFilesAreListedOnce() throws {
        let dir = try TemporaryDirectory()
        try dir.write("repo/a.sql", "x")
        try dir.write("repo/sub/b.sql", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/repo/sub/loop", withDestinationPath: "..")
        let set = followed(dir.path + "/repo")
        #expect(set.files.map(\.relativePath) == ["a.sql", "sub/b.sql"])
        #expect(set.skipped.count == 1)
        let loop = try #require(set.skipped.first)
        #expect(loop.path == dir.path + "/repo/sub/loop")
        #expect(loop.kind == .symlinkLoop)
        #expect(loop.reason == "symbolic link loop: it leads back to \(dir.path)/repo, which is being scanned")
        #expect(set.errors.isEmpty)
    }

    @Test func twoLinksToEachOthersFoldersAreOneLoop() throws {
        let dir = try TemporaryDirectory()
        try dir.write("repo/a/one.sql", "x")
        try dir.write("repo/b/two.sql", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/repo/a/to-b", withDestinationPath: "../b")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/repo/b/to-a", withDestinationPath: "../a")
        let set = followed(dir.path + "/repo")
        // a, then b through a/to-b (whose link back to a loops); b under its own name is the same folder.
        #expect(set.files.map(\.relativePath) == ["a/one.sql", "a/to-b/two.sql"])
        #expect(
            set.skipped.map { "\($0.path.dropFirst(dir.path.count + 6)) \($0.kind!.rawValue)" } == [
                "a/to-b/to-a symlink-loop", "b duplicate",
            ])
    }

    @Test func aLinkToItselfAndALinkToNothingAreListedWithTheirKinds() throws {
        let dir = try TemporaryDirectory()
        try dir.write("repo/a.sql", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/repo/self", withDestinationPath: "self")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/repo/gone", withDestinationPath: "missing.sql")
        let set = followed(dir.path + "/repo")
        #expect(set.files.map(\.relativePath) == ["a.sql"])
        #expect(set.skipped.map(\.kind) == [.brokenSymlink, .symlinkLoop])
        #expect(
            set.skipped.map(\.reason) == [
                "broken symbolic link: its target does not exist",
                "symbolic link loop: following it leads back to itself",
            ])
    }

    @Test func aFileReachedAgainThroughALinkIsListedOnceAndTheLinkAsADuplicate() throws {
        let dir = try TemporaryDirectory()
        try dir.write("repo/real.sql", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/repo/twin.sql", withDestinationPath: "real.sql")
        let set = followed(dir.path + "/repo")
        #expect(set.files.map(\.relativePath) == ["real.sql"])
        #expect(set.skipped.map(\.kind) == [.duplicate])
        #expect(set.skipped.first?.reason == "the same file as \(dir.path)/repo/real.sql, scanned under that name")
    }

    @Test func fifosAndSocketsInATreeAreListedAsSpecialFilesAndNeverOpened() throws {
        let dir = try TemporaryDirectory()
        try dir.write("repo/a.sql", "x")
        #expect(mkfifo(dir.path + "/repo/pipe", 0o644) == 0)
        let socketPath = dir.path + "/repo/sock"
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in socketPath.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        var set = InputSet()
        InputWalker().addSources([dir.path + "/repo"], to: &set)
        #expect(set.files.map(\.relativePath) == ["a.sql"])
        #expect(set.skipped.map(\.path) == [dir.path + "/repo/pipe", socketPath])
        #expect(set.skipped.map(\.kind) == [.specialFile, .specialFile])
        #expect(
            set.skipped.map { $0.reason.hasPrefix("a named pipe (FIFO)") || $0.reason.hasPrefix("a socket") } == [
                true, true,
            ])
    }
}
