import Foundation
import Matching
import Report
import Testing

@testable import CodeUsage

/// A resolver that answers like PostgreSQL's parser would for the statements in these tests: a statement
/// that reads `orders` resolves to `confirmed`, one that only reads `customers` to `not-a-use`, anything else
/// (including code around the SQL, which the parser would reject) stays unresolved.
struct FakeResolver: EmbeddedSQLResolver {
    func evidence(forSQL sql: String, targetIndex: Int) -> Evidence? {
        let lower = sql.lowercased()
        for code in ["execute(", "\"", "`", "<<", "psql", "query ="] where lower.contains(code) { return nil }
        if lower.contains("from orders") || lower.contains("update orders") { return .confirmed }
        if lower.contains("from customers") { return .notAUse }
        return nil
    }
}

@Suite struct ScannerBehaviourTests {
    @Test func findingCarriesPathLineColumnSnippetAndFingerprint() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = "import x\n\n        SELECT orders.legacy_status FROM orders   \n"
        let finding = try #require(scanText(scanner, path: "db/report.sql", text).findings[0].first)
        #expect(finding.path == "db/report.sql")
        #expect(finding.line == 3)
        #expect(finding.column == 23)  // where the column's name starts
        #expect(finding.rule == "sql.qualified-column")
        #expect(finding.evidence == .confirmed)
        #expect(finding.classification == "app")
        #expect(finding.snippet == "SELECT orders.legacy_status FROM orders")
        #expect(finding.cell == nil)
        #expect(
            finding.fingerprint
                == Fingerprint.finding(
                    rule: "sql.qualified-column", target: "orders.legacy_status", path: "db/report.sql",
                    lineText: "        SELECT orders.legacy_status FROM orders   "))
    }

    @Test func columnCountsCharactersNotBytes() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let finding = try #require(
            scanText(scanner, path: "q.sql", "SELECT 'état', orders.legacy_status FROM orders").findings[0].first)
        #expect(finding.column == 23)
    }

    @Test func fingerprintSurvivesTheLineMovingButNotTheFileChanging() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let line = "SELECT orders.legacy_status FROM orders;\n"
        let first = try #require(scanText(scanner, path: "a.sql", line).findings[0].first)
        let moved = try #require(scanText(scanner, path: "a.sql", "\n\n\n" + line).findings[0].first)
        let elsewhere = try #require(scanText(scanner, path: "b.sql", line).findings[0].first)
        #expect(first.line == 1 && moved.line == 4)
        #expect(first.fingerprint == moved.fingerprint)
        #expect(first.fingerprint != elsewhere.fingerprint)
    }

    @Test func snippetIsTrimmedAndAtMost200Characters() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let long = "    SELECT orders.legacy_status, " + String(repeating: "x, ", count: 120) + "1 FROM orders\r\n"
        let finding = try #require(scanText(scanner, path: "long.sql", long).findings[0].first)
        #expect(finding.snippet.count == 200)
        #expect(finding.snippet.hasPrefix("SELECT orders.legacy_status"))
    }

    @Test(arguments: [
        (
            #"psql "postgres://app:s3cr3t@db.internal/shop" -c "SELECT legacy_status FROM orders""#,
            #"psql "postgres://app:***@db.internal/shop" -c "SELECT legacy_status FROM orders""#
        ),
        (
            #"PGPASSWORD=hunter2 psql -h db -c "SELECT legacy_status FROM orders""#,
            #"PGPASSWORD=*** psql -h db -c "SELECT legacy_status FROM orders""#
        ),
        (
            #"conn = connect(password="hunter2", sql="SELECT legacy_status FROM orders")"#,
            #"conn = connect(password="***", sql="SELECT legacy_status FROM orders")"#
        ),
        (
            #"SELECT legacy_status FROM orders -- the key column"#,
            #"SELECT legacy_status FROM orders -- the key column"#
        ),
    ])
    func snippetsMaskCredentialsOnTheLine(line: String, expected: String) throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let finding = try #require(scanText(scanner, path: "scripts/x.sh", line + "\n").findings[0].first)
        #expect(finding.snippet == expected)
        // The fingerprint stays that of the line as written, so masking never merges two findings.
        #expect(
            finding.fingerprint
                == Fingerprint.finding(
                    rule: finding.rule, target: "orders.legacy_status", path: "scripts/x.sh", lineText: line))
    }

    @Test func crlfLinesKeepTheirNumbersAndLoseTheCarriageReturn() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = "-- header\r\nSELECT 1;\r\nSELECT legacy_status FROM orders;\r\n"
        let finding = try #require(scanText(scanner, path: "q.sql", text).findings[0].first)
        #expect(finding.line == 3)
        #expect(finding.snippet == "SELECT legacy_status FROM orders;")
    }

    @Test func strongerFindingsComeFirst() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = """
            # legacy_status notes
            puts legacy_status
            Order.where(legacy_status: "x")
            """
        let tiers = scanText(scanner, path: "lib/jobs/report.rb", text).findings[0].map(\.evidence)
        #expect(tiers == [.confirmed, .probable, .notAUse])
    }

    @Test func fileWithoutTheNameYieldsNothing() throws {
        let scanner = try makeScanner(["orders.legacy_status", "customers.*"])
        let result = scanText(scanner, path: "app/x.py", "def status():\n    return 'legacy_status_v2'\n")
        #expect(result.isEmpty)
    }

    @Test func possibleWithoutTheTableAndProbableWhenTheFileNamesTheModel() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let alone = scanText(scanner, path: "lib/report.py", "value = row['legacy_status']\n")
        #expect(brief(alone.findings[0]) == ["1:code.string-key:possible"])
        let withModel = scanText(
            scanner, path: "lib/report.py", "from shop.models import Order\nvalue = row['legacy_status']\n")
        #expect(brief(withModel.findings[0]) == ["2:code.string-key:probable"])
        // `ORDER BY` is SQL, not the model `Order`: the model's name is matched with its case.
        let orderBy = scanText(scanner, path: "lib/report.py", "q = 'ORDER BY id'\nvalue = row['legacy_status']\n")
        #expect(brief(orderBy.findings[0]) == ["2:code.string-key:possible"])
    }

    @Test func commentsAreNotUsesButHashesInsideStringsAreNotComments() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let python = """
            total = 1  # legacy_status is gone
            label = "# legacy_status" + Order.__name__
            """
        #expect(
            brief(scanText(scanner, path: "app/a.py", python).findings[0]) == [
                "1:code.bare-name:not-a-use", "2:code.bare-name:probable",
            ])
        let java = """
            /**
             * Reads legacy_status from the Order.
             */
            class Reader {}
            """
        #expect(brief(scanText(scanner, path: "src/Reader.java", java).findings[0]) == ["2:code.bare-name:not-a-use"])
        let block = """
            /*
               Orders used to carry legacy_status;
               see the ADR.
            */
            SELECT legacy_status FROM orders WHERE note = '/* not a comment */';
            """
        #expect(
            brief(scanText(scanner, path: "q.sql", block).findings[0]) == [
                "2:sql.bare-column:not-a-use", "5:sql.column-with-table:probable",
            ])
        let sql = "SELECT id FROM orders; -- legacy_status dropped\n"
        #expect(brief(scanText(scanner, path: "q.sql", sql).findings[0]) == ["1:sql.column-with-table:not-a-use"])
    }

    @Test func aVariableThatIsAlsoReadFromARowIsStillAUse() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = "from shop.models import Order\nlegacy_status = row[\"legacy_status\"]\nprint(legacy_status)\n"
        #expect(
            brief(scanText(scanner, path: "app/b.py", text).findings[0]) == [
                "2:code.string-key:probable", "3:code.bare-name:not-a-use",
            ])
    }

    @Test func camelPascalAndUpperSpellingsAreFound() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let kotlin = """
            import shop.jooq.Tables.ORDERS
            val statuses = dsl.select(ORDERS.LEGACY_STATUS).from(ORDERS).fetch()
            data class OrderDto(val id: Long, val LegacyStatus: String)
            fun show(order: Order) = order.legacyStatus
            """
        #expect(
            brief(scanText(scanner, path: "src/Report.kt", kotlin).findings[0]) == [
                "2:jooq.table-field:confirmed", "3:code.identifier:probable", "4:code.member-access:confirmed",
            ])
    }

    @Test func quotedSQLSpellingIsFoundAndAnotherCaseIsNot() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = """
            SELECT "orders"."legacy_status" FROM "orders";
            SELECT "Legacy_Status" FROM orders;
            """
        #expect(brief(scanText(scanner, path: "q.sql", text).findings[0]) == ["1:sql.qualified-column:confirmed"])
    }

    @Test func djangoDefaultTableNameAppLabelModelScopesTheField() throws {
        let scanner = try makeScanner(["shop_order.legacy_status"])
        let text = """
            from django.db import models


            class Order(models.Model):
                legacy_status = models.CharField(max_length=20)


            class Refund(models.Model):
                legacy_status = models.CharField(max_length=20)
            """
        #expect(
            brief(scanText(scanner, path: "shop/models.py", text).findings[0]) == [
                "5:django.model-field:confirmed", "9:django.model-field:not-a-use",
            ])
    }

    @Test func djangoLookupsThroughARelationBelongToTheRelatedModel() throws {
        let scanner = try makeScanner(["orders.legacy_status", "customers.legacy_status"])
        let text = """
            from shop.models import Customer, Order

            vip = Order.objects.filter(customer__legacy_status="vip")
            held = Customer.objects.filter(order__legacy_status__in=["held"])
            mine = Order.objects.filter(legacy_status__iexact="held")
            """
        let result = scanText(scanner, path: "shop/reports.py", text)
        #expect(
            brief(result.findings[0]) == [
                "3:code.member-access:not-a-use", "4:code.member-access:confirmed", "5:django.chain-query:confirmed",
            ])
        #expect(
            brief(result.findings[1]) == [
                "3:code.member-access:confirmed", "4:code.member-access:not-a-use",
                "5:django.model-query-keys:not-a-use",
            ])
    }

    @Test func aQueryChainOnAnotherModelIsNotAUse() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = """
            class ReportsController < ApplicationController
              def index
                @customers = Customer.where(legacy_status: "vip")
                @orders = current_user.orders.where(legacy_status: "held")
              end
            end
            """
        #expect(
            brief(scanText(scanner, path: "app/controllers/reports_controller.rb", text).findings[0]) == [
                "3:rails.model-query-keys:not-a-use", "4:rails.model-query-keys:probable",
            ])
    }

    @Test func goTableNameMethodsMapTheirReceiverTypeOnly() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = """
            func (Purchase) TableName() string { return "orders" }

            type Customer struct {
            	LegacyStatus string `gorm:"column:legacy_status"`
            }

            type Purchase struct {
            	LegacyStatus string `gorm:"column:legacy_status"`
            }

            func (p *Archive) TableName() string { return "order_archive" }

            type Archive struct {
            	LegacyStatus string `db:"legacy_status"`
            }
            """
        #expect(
            brief(scanText(scanner, path: "internal/store/models.go", text).findings[0]) == [
                "14:go.model-struct-tag:not-a-use", "4:go.model-struct-tag:not-a-use",
                "8:go.model-struct-tag:confirmed",
            ])
    }

    @Test func wholeTableTargetFindsModelsBehindMultiWordTables() throws {
        let scanner = try makeScanner(["order_items.*"])
        let text = """
            class OrderItem < ApplicationRecord
              belongs_to :order
            end

            items = OrderItem.where(order_id: 1)
            note = "order_items_archive"
            """
        #expect(
            brief(scanText(scanner, path: "app/models/order_item.rb", text).findings[0]) == [
                "1:code.model-class-declaration:confirmed", "5:code.table-model-query:confirmed",
            ])
    }

    @Test func aModelClassThatIsNotAnORMModelIsOnlyProbable() throws {
        let scanner = try makeScanner(["customers.*"])
        let text = "class Customer\n  attr_reader :name\nend\n"
        #expect(
            brief(scanText(scanner, path: "lib/customer.rb", text).findings[0]) == [
                "1:code.model-class-declaration:probable"
            ])
    }

    @Test func generatedCodeIsClassifiedButStillReported() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = "// Code generated by sqlc. DO NOT EDIT.\nconst q = `SELECT legacy_status FROM orders`\n"
        let finding = try #require(scanText(scanner, path: "internal/db/query.sql.go", text).findings[0].first)
        #expect(finding.classification == "generated")
        #expect(finding.evidence == .probable)
    }

    @Test func sqlResolverDecidesSQLFindingsAndIsNotAskedAboutComments() throws {
        let scanner = try makeScanner(["orders.legacy_status"], resolver: FakeResolver())
        let sql = """
            SELECT legacy_status
            FROM orders;

            SELECT legacy_status FROM customers;
            -- legacy_status FROM orders
            """
        #expect(
            brief(scanText(scanner, path: "q.sql", sql).findings[0]) == [
                "1:sql.column-with-table:confirmed", "4:sql.bare-column:not-a-use", "5:sql.column-with-table:not-a-use",
            ])
        let python = "cur.execute(\"UPDATE orders SET legacy_status = NULL\")\nx = row['legacy_status']\n"
        #expect(
            brief(scanText(scanner, path: "app/c.py", python).findings[0]) == [
                "1:sql.column-with-table:confirmed", "2:code.string-key:probable",
            ])
    }

    @Test func sqlResolverReceivesOnlyTheSQLOfStringsAndHeredocs() throws {
        let scanner = try makeScanner(["orders.legacy_status"], resolver: FakeResolver())
        let go = "const q = `\nSELECT legacy_status\nFROM orders`\n"
        #expect(brief(scanText(scanner, path: "store.go", go).findings[0]) == ["2:sql.column-with-table:confirmed"])
        let python = "query = \"\"\"SELECT legacy_status\n  FROM orders\"\"\"\n"
        #expect(brief(scanText(scanner, path: "a.py", python).findings[0]) == ["1:sql.column-with-table:confirmed"])
        let result = try scanFixture(scanner, root: "shell", "scripts/export_orders.sh")
        #expect(
            brief(result.findings[0]) == [
                "10:sql.column-with-table:confirmed", "4:sql.bare-column:not-a-use",
                "5:sql.column-with-table:confirmed", "6:psql.copy-column:confirmed",
                "9:sql.column-with-table:confirmed",
            ])
    }

    @Test func multiLineStringsLendTheirTableToTheColumnButNeighbouringCodeDoesNot() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let text = """
            QUERY = \"\"\"
                SELECT legacy_status
                FROM orders
            \"\"\"
            cursor.execute(QUERY)
            cursor.execute("SELECT id FROM orders")
            value = legacy_status
            """
        #expect(
            brief(scanText(scanner, path: "app/q.py", text).findings[0]) == [
                "2:sql.column-with-table:probable", "7:code.bare-name:probable",
            ])
    }

    @Test func notebookThatIsNotJSONIsScannedAsText() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let result = scanText(scanner, path: "broken.ipynb", "{ not json\nSELECT legacy_status FROM orders\n")
        #expect(result.findings[0].map(\.line) == [2])
        #expect(result.findings[0].first?.cell == nil)
    }

    @Test func notebookSourceGivenAsOneStringIsSplitIntoLines() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let notebook = """
            {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
              "source": "x = 1\\norders = Order.objects.filter(legacy_status='a')"}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """
        let finding = try #require(scanText(scanner, path: "n.ipynb", notebook).findings[0].first)
        #expect(finding.cell == 0)
        #expect(finding.line == 2)
        #expect(finding.rule == "django.chain-query")
        #expect(finding.evidence == .confirmed)
    }

    @Test func noTargetsIsAnErrorThatSaysWhatToDo() throws {
        #expect(throws: CodeScanError.noTargets) {
            try CodeScanner(targets: [], library: try bundledLibrary())
        }
        #expect(CodeScanError.noTargets.description.contains("table.column"))
    }

    @Test func aRuleThatDoesNotCompileNamesItself() throws {
        let rules = try PatternLibrary.parse(
            "rule: broken.rule\ndescription: x\nevidence: possible\npattern: ({column}\n", file: "broken.rules")
        let target = try Target(parsing: "orders.legacy_status")
        do throws(CodeScanError) {
            _ = try CodeScanner(targets: [target], library: PatternLibrary(rules: rules))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("broken.rule"))
            #expect(error.description.contains("dropscan patterns check"))
        }
    }
}

/// Inputs at the edges: nothing may crash, and each gives what it holds.
@Suite struct EdgeInputTests {
    @Test(arguments: [
        ("empty.rb", "", 0),
        ("newline.rb", "\n", 0),
        ("bare.rb", "legacy_status", 1),
        ("trailing.py", "x = 1\nlegacy_status__", 0),
        ("edges.py", "__legacy_status__in = 1\n", 0),
        ("unterminated.java", "String s = \"legacy_status\n", 1),
        ("open-comment.sql", "/* legacy_status", 1),
        ("empty.ipynb", "{\"cells\": []}", 0),
        ("array.ipynb", "[1, 2, legacy_status]", 1),
        (
            "weird.ipynb",
            "{\"cells\": [{\"source\": 42}, {\"cell_type\": \"code\", \"source\": [\"legacy_status\"]}]}", 1
        ),
        ("utf8.py", "café = 'legacy_status' # é\u{0}\n", 1),
        ("invalid-utf8.rb", "x = \"\u{FFFD}\" ; legacy_status\n", 1),
    ])
    func oddInputsAreScannedWithoutCrashing(path: String, text: String, expected: Int) throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let result = scanText(scanner, path: path, text)
        #expect(result.findings[0].count == expected)
    }

    @Test func invalidUTF8BytesAreScanned() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let bytes: [UInt8] = Array("x = '".utf8) + [0xFF, 0xFE] + Array("'\nSELECT legacy_status FROM orders\n".utf8)
        let result = scanner.scan(relativePath: "q.sql", bytes: bytes, scratch: MatchScratch())
        #expect(brief(result.findings[0]) == ["2:sql.column-with-table:probable"])
    }
}
