import Matching
import Report
import Testing

@testable import CodeUsage

/// The file facts read from bytes: ASCII lines as bytes, other lines through `String`, with the same answers.
@Suite struct SourceContextLineTests {
    @Test func asciiAndNonASCIILinesGiveTheFileFacts() {
        let text = """
            class Order(models.Model):
                legacy_status = models.CharField()
                d\u{E9}j\u{E0} = 1
                def total(self, rate):
                    amount = rate * 2
                    return amount
            sql = \"\"\"
            SELECT legacy_status FROM orders
            \"\"\"
            caf\u{E9} = compute()
            const limit = 3
            """
        let context = SourceContext(document: Document(bytes: Array(text.utf8), comments: CommentStyle(hash: true)))
        #expect(
            context.regions == [
                ModelRegion(
                    name: "Order", startLine: 0, endLine: 5, indent: 0, explicitTable: nil, isModel: true,
                    isDjangoModel: true)
            ])
        #expect(context.localVariables == ["d\u{E9}j\u{E0}", "rate", "amount", "sql", "caf\u{E9}", "limit"])
        #expect(context.multilineStrings == [6...8])
    }

    @Test func oneLinePassFindsEachRecognisersLiterals() {
        func hints(_ line: String) -> LineHint {
            let bytes = Array(line.utf8)
            return LineHint(rawValue: bytes.withUnsafeBufferPointer { LineHint.literals.mask(in: $0) })
        }
        #expect(hints("class Order(models.Model):") == [.modelMarker, .declaration, .djangoModel])
        #expect(hints("def total(self, rate):") == [.function])
        #expect(hints("orders = Table(\"orders\", metadata)") == [.tableMapping, .tableBlock])
        #expect(hints("migrations.SeparateDatabaseAndState(state_operations=[") == [.stateOperations])
        #expect(hints("return amount") == [])
    }
}

@Suite struct ClassificationHeadTests {
    /// The generated-code markers are looked for in the first 1,500 characters, and `\r\n` is one character.
    @Test func generatedMarkersCountCRLFAsOneCharacter() {
        let within = String(repeating: "x\r\n", count: 500) + "// @generated\n"
        #expect(FileClassification.classify(relativePath: "src/thing.js", head: Array(within.utf8)[...]) == .generated)
        let beyond = String(repeating: "x\r\n", count: 750) + "// @generated\n"
        #expect(FileClassification.classify(relativePath: "src/thing.js", head: Array(beyond.utf8)[...]) == .app)
        let nonASCII = "// caf\u{E9}\n// @generated\n"
        #expect(
            FileClassification.classify(relativePath: "src/thing.js", head: Array(nonASCII.utf8)[...]) == .generated)
    }
}

@Suite struct RuleGlobTests {
    @Test func eachRuleAppliesToTheFilesItsGlobsName() throws {
        let library = try bundledLibrary()
        let globs = RuleGlobs(library.rules.filter { $0.inputs.contains(.source) })
        func applies(_ id: String, _ path: String) -> Bool {
            var results = GlobResults(globs: globs, path: path)
            return results.applies(library.rules.first { $0.id == id }!)
        }
        #expect(applies("django.migration-field-name", "shop/migrations/0001_initial.py"))
        #expect(!applies("django.migration-field-name", "shop/models.py"))
        #expect(applies("code.member-access", "shop/models.py"))
        #expect(!applies("code.member-access", "README.md"))
        #expect(applies("sql.bare-column", "README.md"))
    }
}

@Suite struct RescoreReplayTests {
    /// The files scanned once; their findings scored again from what the scan recorded, with the definitions
    /// every file gave, as the pipeline does.
    func replayTree(_ scanner: CodeScanner, _ files: [(String, String)]) -> [String: [String]] {
        var definitions = DefinedNames(targetCount: scanner.targets.count)
        var results: [(String, CodeScanResult)] = []
        for (path, text) in files {
            let result = scanText(scanner, path: path, text)
            definitions.merge(result.definitions)
            results.append((path, result))
        }
        let summarised = RescoreDefinitions(definitions)
        var out: [String: [String]] = [:]
        for (path, result) in results {
            let findings = result.findings[0].map { finding in
                guard
                    let site = result.rescorable.first(where: {
                        $0.targetIndex == 0 && $0.line == finding.line && $0.rule == finding.rule
                    })
                else { return finding }
                var rescored = finding
                rescored.evidence = scanner.rescored(site, definitions: summarised).evidence
                return rescored
            }
            out[path] = brief(findings)
        }
        return out
    }

    @Test func findingsScoredAgainFromTheScanMatchAScanWithTheDefinitions() throws {
        let scanner = try makeScanner(["documents.checksum"])
        let (upload, views) = (DefinedNameTests.upload, DefinedNameTests.views)
        let results = replayTree(scanner, [("docs/upload.py", upload), ("docs/views.py", views)])
        #expect(results["docs/upload.py"] == ["2:code.identifier:not-a-use", "6:code.member-access:not-a-use"])
        #expect(
            results["docs/views.py"] == [
                "3:code.member-access:not-a-use", "4:code.member-access:confirmed", "5:code.member-access:possible",
            ])
    }

    @Test func aFindingIsPlacedAgainWhenItStopsBeingAUse() {
        #expect(
            CodeScanner.placement(
                of: .notAUse, isDeprecationRule: true, classification: .app, isStateOnly: false) == .findings)
        #expect(
            CodeScanner.placement(
                of: .probable, isDeprecationRule: true, classification: .app, isStateOnly: false) == .deprecations)
        #expect(
            CodeScanner.placement(
                of: .probable, isDeprecationRule: false, classification: .migration, isStateOnly: true)
                == .deprecations)
        #expect(
            CodeScanner.placement(
                of: .notAUse, isDeprecationRule: false, classification: .migration, isStateOnly: true)
                == .declarations)
    }
}
