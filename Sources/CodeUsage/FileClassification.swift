/// What kind of file a finding sits in; decides whether it counts as a use.
///
/// `migration` and `schema` findings are history and declarations (they go to `declarations`, not
/// `findings`); the others are uses in code of that kind.
public enum FileClassification: String, Sendable, Codable, CaseIterable {
    case app, test, migration, schema, generated, docs

    /// Whether findings in such a file are declarations (history, dumps) rather than uses.
    public var isDeclaration: Bool { self == .migration || self == .schema }

    /// Classifies a file by its path relative to the source root and the first bytes of its content.
    ///
    /// Order matters: a `pg_dump` output is a schema wherever it sits; a migration under `test/` is still a
    /// migration; generated code under `tests/` is still generated.
    public static func classify(relativePath: String, head: ArraySlice<UInt8>) -> FileClassification {
        let path = relativePath.lowercased()
        let components = path.split(separator: "/").map(String.init)
        let name = components.last ?? path
        let directories = Set(components.dropLast())
        let head = head.prefix(4096)
        let markers = HeadMarkers(head)

        if markers.isDump || name == "structure.sql"
            || path.hasSuffix("db/schema.rb") || name == "schema.rb"
        {
            return .schema
        }
        if isMigration(path: path, name: name, directories: directories, originalName: relativePath) {
            return .migration
        }
        if name.hasSuffix(".pb.go") || name.hasSuffix("_pb2.py") || name.contains(".generated.")
            || directories.contains("generated") || directories.contains("generated-sources")
            || markers.isGenerated
        {
            return .generated
        }
        if isTest(name: name, directories: directories, originalName: relativePath) { return .test }
        let docExtensions = [".md", ".markdown", ".rst", ".adoc", ".txt"]
        if docExtensions.contains(where: { name.hasSuffix($0) }) || directories.contains("docs")
            || directories.contains("doc")
        {
            return .docs
        }
        return .app
    }

    private static func isMigration(path: String, name: String, directories: Set<String>, originalName: String)
        -> Bool
    {
        if path.contains("db/migrate/") || directories.contains("migrations") || path.contains("alembic/versions/") {
            return true
        }
        if directories.contains("migration") || directories.contains("changelog") { return true }
        // Flyway: V12__add_x.sql, V1_2__x.sql, R__views.sql (upper-case prefix in the original name).
        let original = originalName.split(separator: "/").last.map(String.init) ?? originalName
        if original.hasSuffix(".sql") || original.hasSuffix(".java") || original.hasSuffix(".kt") {
            let bytes = Array(original.utf8)
            if bytes.first == UInt8(ascii: "V"), let sep = original.range(of: "__") {
                let version = original[original.index(after: original.startIndex)..<sep.lowerBound]
                if !version.isEmpty && version.allSatisfy({ $0.isNumber || $0 == "_" || $0 == "." }) { return true }
            }
            if original.hasPrefix("R__") { return true }
        }
        // golang-migrate and dbmate: 000001_add_x.up.sql
        if name.hasSuffix(".up.sql") || name.hasSuffix(".down.sql") { return true }
        // Liquibase changelogs.
        if name.contains("changelog") && [".xml", ".yaml", ".yml", ".sql", ".json"].contains(where: name.hasSuffix) {
            return true
        }
        return false
    }

    private static func isTest(name: String, directories: Set<String>, originalName: String) -> Bool {
        let testDirectories: Set<String> = ["test", "tests", "spec", "specs", "__tests__", "testing", "e2e"]
        if !directories.isDisjoint(with: testDirectories) { return true }
        if name.hasSuffix("_test.go") || name.hasSuffix("_test.py") || name.hasSuffix("_spec.rb")
            || name.hasSuffix("_test.rb") || name == "conftest.py"
            || (name.hasPrefix("test_") && name.hasSuffix(".py"))
        {
            return true
        }
        for marker in [".spec.", ".test."] where name.contains(marker) { return true }
        let original = originalName.split(separator: "/").last.map(String.init) ?? originalName
        for suffix in ["Tests.swift", "Test.swift", "Test.java", "Tests.java", "Test.kt", "Tests.kt", "IT.java"]
        where original.hasSuffix(suffix) {
            return true
        }
        return false
    }
}

/// What the first bytes of a file say about it: a `pg_dump` header anywhere in them, a generated-code marker in
/// the first 1,500 characters. An ASCII head is searched as bytes (its characters are its bytes); any other
/// through `String`, as Foundation compares text.
private struct HeadMarkers {
    let isDump: Bool
    let isGenerated: Bool

    init(_ head: ArraySlice<UInt8>) {
        let isASCII = head.withUnsafeBufferPointer { SourceLine.isASCII($0) }
        guard isASCII else {
            let text = String(decoding: head, as: UTF8.self)
            let firstLines = text.prefix(1500)
            isDump = text.contains("-- PostgreSQL database dump")
            isGenerated =
                (firstLines.contains("Code generated") && firstLines.contains("DO NOT EDIT"))
                || firstLines.contains("@generated") || firstLines.contains("generated by jOOQ")
            return
        }
        func has(_ needle: String, within limit: Int) -> Bool {
            head.withUnsafeBufferPointer { buffer in
                let hay = UnsafeBufferPointer(rebasing: buffer[..<min(limit, buffer.count)])
                return SourceLine.occurrences(of: Array(needle.utf8), in: hay, stopAtFirst: true) > 0
            }
        }
        // The bytes of the first 1,500 characters (`\r\n` is one character).
        var firstLines = 0
        head.withUnsafeBufferPointer { buffer in
            var characters = 0
            while firstLines < buffer.count && characters < 1500 {
                let isCRLF =
                    buffer[firstLines] == 0x0D && firstLines + 1 < buffer.count && buffer[firstLines + 1] == 0x0A
                firstLines += isCRLF ? 2 : 1
                characters += 1
            }
        }
        isDump = has("-- PostgreSQL database dump", within: head.count)
        isGenerated =
            (has("Code generated", within: firstLines) && has("DO NOT EDIT", within: firstLines))
            || has("@generated", within: firstLines) || has("generated by jOOQ", within: firstLines)
    }
}
