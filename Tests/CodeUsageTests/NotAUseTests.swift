import Foundation
import Matching
import Report
import Testing

@testable import CodeUsage

@Suite struct ProseTests {
    @Test func docstringsLogAndExceptionMessagesAndLabelsAreAtMostPossible() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let python = """
            from shop.models import Order

            def archive(order):
                \"\"\"Copies legacy_status into the archive.\"\"\"
                logger.info("legacy_status changed for %s", order.id)
                if not order.status:
                    raise ValueError("the legacy_status of this order is unknown")
                field = forms.CharField(help_text="Set legacy_status to archive")
                cursor.execute("UPDATE orders SET legacy_status = NULL WHERE id = %s", [order.id])
                return row["legacy_status"]
            """
        #expect(
            brief(scanText(scanner, path: "shop/archive.py", python).findings[0]) == [
                "10:code.string-key:probable", "4:code.bare-name:possible", "5:code.bare-name:possible",
                "7:code.bare-name:possible", "8:code.bare-name:possible", "9:sql.column-with-table:probable",
            ])
    }

    @Test func aMultiLineDocstringIsProseButAMultiLineQueryIsNot() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let python = """
            class OrderReport:
                \"\"\"
                Reports legacy_status per order.
                \"\"\"

                QUERY = \"\"\"
                    SELECT legacy_status FROM orders
                \"\"\"
            """
        #expect(
            brief(scanText(scanner, path: "shop/report.py", python).findings[0]) == [
                "3:code.bare-name:possible", "7:sql.column-with-table:probable",
            ])
    }

    @Test func aValueWrittenUnderAnotherNameIsDataButSQLUnderItIsNot() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let python = """
            from shop.models import Order

            def seed(order):
                Order.objects.create(note=b"this is legacy_status", id=1)
                Order.objects.extra(where="legacy_status IS NULL")
                payload = {"comment": "legacy_status is on"}
            """
        #expect(
            brief(scanText(scanner, path: "shop/seed.py", python).findings[0]) == [
                "4:django.chain-query:possible", "5:django.chain-query:confirmed", "6:code.bare-name:possible",
            ])
    }

    @Test func gettextCataloguesArePossibleAtMost() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let po = "#: shop/models.py:12\nmsgid \"legacy_status\"\nmsgstr \"Ancien statut\"\n"
        #expect(
            brief(scanText(scanner, path: "shop/locale/fr/LC_MESSAGES/django.po", po).findings[0]) == [
                "2:sql.bare-column:possible"
            ])
    }
}

@Suite struct QuotedNameTests {
    @Test func aQuotedNameOfAnotherCaseIsALabelNotTheColumn() throws {
        let scanner = try makeScanner(["posts.created"])
        let python = """
            from blog.models import Post
            HEADERS = ['Created', 'Title']
            value = row['created']
            """
        #expect(
            brief(scanText(scanner, path: "blog/export.py", python).findings[0]) == [
                "2:code.string-key:not-a-use", "3:code.string-key:probable",
            ])
    }
}

@Suite struct AliasAndParameterTests {
    @Test func anSQLOutputAliasIsNotTheColumnButAnAliasOfTheColumnIs() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let sql = """
            SELECT count(*) AS legacy_status FROM orders;

            SELECT o.legacy_status AS legacy_status FROM orders o;
            """
        #expect(
            brief(scanText(scanner, path: "reports/status.sql", sql).findings[0]) == [
                "1:sql.column-with-table:not-a-use", "3:sql.column-with-table:probable",
            ])
    }

    @Test func parametersThatOnlyShareTheNameAreNotUses() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let python = """
            from shop.models import Order

            def describe(order, legacy_status=None):
                return legacy_status or "new"
            """
        #expect(
            brief(scanText(scanner, path: "shop/describe.py", python).findings[0]) == [
                "3:code.bare-name:not-a-use", "4:code.bare-name:not-a-use",
            ])
        let javascript = """
            import { Order } from "./order";
            export function label(legacyStatus) {
              return legacyStatus.toUpperCase();
            }
            """
        #expect(
            brief(scanText(scanner, path: "src/label.js", javascript).findings[0]) == [
                "2:code.identifier:not-a-use", "3:code.identifier:not-a-use",
            ])
    }
}

@Suite struct LocaleTests {
    @Test func localeKeysAreScopedByTheirKeyPath() throws {
        let scanner = try makeScanner(["ownerships.user_id"])
        let yaml = """
            en:
              activerecord:
                attributes:
                  ownership:
                    user_id: "Owner"
                  membership:
                    user_id: "Member"
              helpers:
                hint:
                  user_id: "The user"
            """
        #expect(
            brief(scanText(scanner, path: "config/locales/en.yml", yaml).findings[0]) == [
                "10:code.string-key:possible", "5:code.string-key:probable", "7:code.string-key:not-a-use",
            ])
    }
}

@Suite struct BrowserCodeTests {
    @Test func browserCodeReadingJSONIsPossibleButAnORMInServerCodeIsNot() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let browser = """
            import { useState } from 'react';
            export function OrderRow({ order }) {
              return <td>{order.legacyStatus}</td>;
            }
            """
        #expect(
            brief(scanText(scanner, path: "app/javascript/components/OrderRow.jsx", browser).findings[0]) == [
                "3:code.member-access:possible"
            ])
        let server = """
            import { PrismaClient } from "@prisma/client";
            const prisma = new PrismaClient();
            export const stale = (order) => order.legacyStatus;
            """
        #expect(
            brief(scanText(scanner, path: "src/server/orders.ts", server).findings[0]) == [
                "3:code.member-access:confirmed"
            ])
    }
}

@Suite struct DefinedNameTests {
    /// Scans the files once to collect the tree's definitions, then again with them, as the pipeline does.
    func scanTree(_ scanner: CodeScanner, _ files: [(String, String)]) -> [String: [String]] {
        var definitions = DefinedNames(targetCount: scanner.targets.count)
        for (path, text) in files { definitions.merge(scanText(scanner, path: path, text).definitions) }
        var out: [String: [String]] = [:]
        for (path, text) in files {
            out[path] = brief(
                scanner.scan(
                    relativePath: path, bytes: Array(text.utf8), scratch: MatchScratch(), definitions: definitions
                )
                .findings[0])
        }
        return out
    }

    /// A method `checksum` of another class, and `checksum` read from three objects (`RescoreReplayTests` scores
    /// the same tree by replay).
    static let upload = """
        class Upload:
            def checksum(self):
                return hashlib.md5(self.data).hexdigest()

            def verify(self, expected):
                return self.checksum() == expected
        """
    static let views = """
        from docs.models import Document
        def show(upload, document, item):
            a = upload.checksum()
            b = document.checksum
            c = item.checksum
        """

    @Test func aMethodOfAnotherClassAndItsCallsAreNotUses() throws {
        let scanner = try makeScanner(["documents.checksum"])
        let (upload, views) = (Self.upload, Self.views)
        let results = scanTree(scanner, [("docs/upload.py", upload), ("docs/views.py", views)])
        #expect(results["docs/upload.py"] == ["2:code.identifier:not-a-use", "6:code.member-access:not-a-use"])
        #expect(
            results["docs/views.py"] == [
                "3:code.member-access:not-a-use", "4:code.member-access:confirmed", "5:code.member-access:possible",
            ])
        // Without the tree's definitions the same file blocks on every line.
        #expect(
            brief(scanText(scanner, path: "docs/views.py", views).findings[0]) == [
                "3:code.member-access:probable", "4:code.member-access:confirmed", "5:code.member-access:probable",
            ])
    }

    @Test func aMethodOfTheModelItselfReplacesTheAttributeUnlessItWrapsIt() throws {
        let scanner = try makeScanner(["documents.checksum"])
        let replaced = """
            class Document < ApplicationRecord
              def checksum
                Digest::MD5.hexdigest(body)
              end
            end
            """
        let view = "class DocumentsController\n  def show\n    @sum = @document.checksum\n  end\nend\n"
        #expect(
            scanTree(
                scanner, [("app/models/document.rb", replaced), ("app/controllers/documents_controller.rb", view)])[
                    "app/controllers/documents_controller.rb"] == ["3:code.member-access:not-a-use"])
        let wrapped = """
            class Document < ApplicationRecord
              def checksum
                super || Digest::MD5.hexdigest(body)
              end
            end
            """
        #expect(
            scanTree(
                scanner, [("app/models/document.rb", wrapped), ("app/controllers/documents_controller.rb", view)])[
                    "app/controllers/documents_controller.rb"] == ["3:code.member-access:confirmed"])
    }

    @Test func aPropertyAndAnSQLAliasInTheTreeMakeUnknownReceiversPossible() throws {
        let scanner = try makeScanner(["posts.comment_count"])
        let query =
            "ROWS = \"SELECT p.id, count(c.id) AS comment_count FROM posts p JOIN comments c ON c.post_id = p.id\"\n"
        let reader = """
            from blog.models import Post
            for row in rows:
                print(row.comment_count, row["comment_count"])
            post.comment_count
            """
        let results = scanTree(scanner, [("blog/queries.py", query), ("blog/report.py", reader)])
        #expect(results["blog/report.py"] == ["3:code.member-access:possible", "4:code.member-access:confirmed"])
    }

    @Test func aStructFieldOfAnotherTypeIsADefinitionButTheModelsFieldIsNot() throws {
        let scanner = try makeScanner(["documents.checksum"])
        let dto = """
            package api

            type DocumentResponse struct {
            \tChecksum string `json:"checksum"`
            }
            """
        let model = """
            package models

            type Document struct {
            \tChecksum string `gorm:"column:checksum"`
            }
            """
        let dtoResult = scanText(scanner, path: "api/response.go", dto)
        #expect(dtoResult.definitions[target: 0].map(\.kind) == [.field])
        #expect(dtoResult.definitions[target: 0].map(\.owner) == ["DocumentResponse"])
        #expect(scanText(scanner, path: "models/document.go", model).definitions[target: 0].isEmpty)
    }
}

@Suite struct KeyTests {
    @Test func sequelizesTypeOptionIsNotTheColumnAndATypeMemberIsPossible() throws {
        let scanner = try makeScanner(["collections.type"])
        let model = """
            const Collection = sequelize.define("collection", {
              name: { type: DataTypes.STRING },
              type: {
                type: DataTypes.STRING,
              },
            });
            const rows = await sequelize.query(sql, { type: sequelize.QueryTypes.SELECT });
            """
        #expect(
            brief(scanText(scanner, path: "server/models/Collection.js", model).findings[0]) == [
                "2:code.string-key:not-a-use", "3:code.string-key:probable", "4:code.string-key:not-a-use",
                "7:code.string-key:not-a-use",
            ])
        let types = "import Collection from './Collection';\ntype Props = {\n  type: string,\n};\n"
        #expect(
            brief(scanText(scanner, path: "server/presenters/collection.js", types).findings[0]) == [
                "2:code.identifier:not-a-use", "3:code.string-key:possible",
            ])
    }
}
