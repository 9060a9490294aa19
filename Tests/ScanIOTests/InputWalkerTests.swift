import Foundation
import TestSupport
import Testing

@testable import ScanIO

@Suite struct InputWalkerTests {
    @Test func sourceWalkHonoursGitignoreAndIgnoreFilesAndSkipsGit() throws {
        let dir = try TemporaryDirectory()
        try dir.write("repo/.gitignore", "build/\n*.tmp\n!keep.tmp\n/rootonly.txt\n")
        try dir.write("repo/app/.ignore", "generated_*.py\n")
        for file in [
            "app/main.py", "app/generated_models.py", "build/out.sql", "x.tmp", "keep.tmp", "rootonly.txt",
            "app/rootonly.txt", ".git/config",
        ] {
            try dir.write("repo/" + file, "select 1\n")
        }
        var set = InputSet()
        InputWalker().addSources([dir.path + "/repo"], to: &set)
        let relative = Set(set.files.map(\.relativePath))
        #expect(relative == [".gitignore", "app/.ignore", "app/main.py", "keep.tmp", "app/rootonly.txt"])
        #expect(set.files.allSatisfy { $0.kind == .source && $0.root == dir.path + "/repo" })
    }

    @Test func oversizedSourceFilesAreSkippedWithAReason() throws {
        let dir = try TemporaryDirectory()
        try dir.write("repo/big.sql", String(repeating: "x", count: 2000))
        try dir.write("repo/small.sql", "x")
        var options = WalkOptions()
        options.maxSourceFileSize = 1000
        var set = InputSet()
        InputWalker(options: options).addSources([dir.path + "/repo"], to: &set)
        #expect(set.files.map(\.relativePath) == ["small.sql"])
        #expect(set.skipped.count == 1)
        #expect(set.skipped[0].reason.contains("limit"))
    }

    @Test func symlinksAreNotFollowedUnlessAsked() throws {
        let dir = try TemporaryDirectory()
        try dir.write("outside/secret.sql", "x")
        try dir.write("repo/a.sql", "x")
        try FileManager.default.createSymbolicLink(
            atPath: dir.path + "/repo/link", withDestinationPath: dir.path + "/outside")
        var set = InputSet()
        InputWalker().addSources([dir.path + "/repo"], to: &set)
        #expect(set.files.map(\.relativePath) == ["a.sql"])
        #expect(set.skipped.map(\.reason).contains { $0.contains("symbolic link") })
        var options = WalkOptions()
        options.followSymlinks = true
        var followed = InputSet()
        InputWalker(options: options).addSources([dir.path + "/repo"], to: &followed)
        #expect(Set(followed.files.map(\.relativePath)) == ["a.sql", "link/secret.sql"])
    }

    @Test func logDirectoriesAndGlobsExpandAndMissingInputsAreErrors() throws {
        let dir = try TemporaryDirectory()
        try dir.write("logs/a.log", "x")
        try dir.write("logs/old/b.log.gz", "x")
        try dir.write("other/c.csv", "x")
        var set = InputSet()
        InputWalker().addLogs([dir.path + "/logs", dir.path + "/other/*.csv", dir.path + "/missing.log"], to: &set)
        #expect(Set(set.files.map { ($0.path as NSString).lastPathComponent }) == ["a.log", "b.log.gz", "c.csv"])
        #expect(set.errors.count == 1)
        #expect(set.errors[0].path.hasSuffix("missing.log"))
    }

    @Test func fileListsTakeLogsAndSourcesAndNameBadLines() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("a.log", "x")
        try dir.write("repo/app.py", "x")
        var set = InputSet()
        let list = "# shard 1\n\(log)\nlog\t\(log)\nsource\t\(dir.path)/repo\tapp.py\nsource\tonly-two\n"
        InputWalker().addList(list, listName: "shard.txt", to: &set)
        #expect(set.files.map(\.kind) == [.log, .log, .source])
        #expect(set.files[2].relativePath == "app.py")
        #expect(set.errors.count == 1)
        #expect(set.errors[0].message.contains("line 5"))
    }

    @Test(arguments: [
        ("*.sql", "a.sql", true), ("*.sql", "dir/a.sql", false), ("**/*.sql", "dir/sub/a.sql", true),
        ("**/*.sql", "a.sql", true), ("db/migrate/*.rb", "db/migrate/1_x.rb", true), ("[ab].py", "b.py", true),
        ("[!ab].py", "b.py", false), ("file?.txt", "file1.txt", true), ("docs/**", "docs/a/b.md", true),
    ])
    func globsMatchLikeAShell(glob: String, path: String, expected: Bool) {
        #expect(GlobMatcher.matches(glob, path) == expected)
    }
}
