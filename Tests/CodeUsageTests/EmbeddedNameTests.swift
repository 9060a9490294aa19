import Matching
import Report
import Testing

@testable import CodeUsage

/// Names inside longer identifiers: Spring Data derived queries, JavaBeans accessors, Fluent key paths, and
/// Django's `<app>_<model>` whole-table targets. Every finding with its rule and tier, including look-alikes.
@Suite struct EmbeddedNameTests {
    let scanner: CodeScanner

    init() throws {
        scanner = try makeScanner(["orders.legacy_status", "customers.legacy_status"])
    }

    @Test func derivedQueriesOfTheEntitysRepositoryAreConfirmed() throws {
        let result = try scanFixture(scanner, root: "jvm", "src/main/java/shop/repository/OrderStatusRepository.java")
        #expect(
            brief(result.findings[0]) == [
                "10:spring.repository-derived-query:confirmed", "12:spring.repository-derived-query:confirmed",
                "14:spring.repository-derived-query:confirmed", "17:spring.repository-derived-query:confirmed",
                "19:spring.repository-derived-query:confirmed", "21:code.identifier:not-a-use",
            ])
        // The same derived queries belong to `orders`, not to `customers`, whose column has the same name.
        #expect(
            brief(result.findings[1]).filter { $0.contains("spring.") }
                == [
                    "10:spring.repository-derived-query:not-a-use", "12:spring.repository-derived-query:not-a-use",
                    "14:spring.repository-derived-query:not-a-use", "17:spring.repository-derived-query:not-a-use",
                    "19:spring.repository-derived-query:not-a-use",
                ])
    }

    @Test func derivedQueriesOfAnotherEntitysRepositoryAreNotAUse() throws {
        let result = try scanFixture(scanner, root: "jvm", "src/main/java/shop/repository/CustomerRepository.java")
        #expect(
            brief(result.findings[0]) == [
                "10:spring.repository-derived-query:not-a-use", "8:spring.repository-derived-query:not-a-use",
            ])
        #expect(
            brief(result.findings[1]) == [
                "10:spring.repository-derived-query:confirmed", "8:spring.repository-derived-query:confirmed",
            ])
    }

    @Test func accessorsAreScopedByTheReceiversNameOrDeclaredType() throws {
        let result = try scanFixture(scanner, root: "jvm", "src/main/java/shop/service/OrderService.java")
        #expect(
            brief(result.findings[0]) == [
                "18:java.member-accessor:confirmed", "19:java.member-accessor:not-a-use",
                "24:java.member-accessor:confirmed", "25:java.member-accessor:confirmed",
                "28:java.member-accessor:not-a-use", "33:spring.repository-derived-query:probable",
                "37:java.member-accessor:probable",
            ])
        // `customer.getLegacyStatus()` is the customers column; `order.…` is not.
        #expect(brief(result.findings[1]).contains("19:java.member-accessor:confirmed"))
        #expect(brief(result.findings[1]).contains("18:java.member-accessor:not-a-use"))
    }

    @Test func kotlinRepositoryAndAccessorCalls() throws {
        let result = try scanFixture(scanner, root: "jvm", "src/main/kotlin/shop/archive/ArchiveJob.kt")
        #expect(
            brief(result.findings[0]) == [
                "14:spring.repository-derived-query:confirmed", "15:java.member-accessor:not-a-use",
                "16:java.member-accessor:probable", "8:spring.repository-derived-query:confirmed",
                "9:spring.repository-derived-query:confirmed",
            ])
    }

    @Test func fluentKeyPathsAreScopedByRootTypeOrQueryChain() throws {
        let result = try scanFixture(scanner, root: "swift", "Sources/App/Controllers/OrderController.swift")
        #expect(
            brief(result.findings[0]) == [
                "11:fluent.keypath-field:confirmed", "12:fluent.keypath-field:confirmed",
                "18:fluent.keypath-field:not-a-use", "23:fluent.keypath-field:not-a-use",
                "25:fluent.member-projected-field:probable",
            ])
    }

    @Test func fluentKeyPathWithoutAChainOrRootIsDecidedByTheFile() {
        let result = scanText(
            scanner, path: "Sources/App/Sorting.swift",
            """
            import Fluent

            func sortKey() -> KeyPath<Report, FieldProperty<Report, String?>> {
                \\.$legacyStatus
            }
            """)
        #expect(brief(result.findings[0]) == ["4:fluent.keypath-field:possible"])
    }

    @Test func getterOnAnUnknownReceiverInAFileThatNeverNamesTheTableIsPossible() {
        let result = scanText(
            scanner, path: "src/main/java/shop/Export.java",
            """
            class Export {
                String line(Object row) {
                    return ((Legacy) row).getLegacyStatus() + "," + row.hashCode();
                }
            }
            """)
        #expect(brief(result.findings[0]) == ["3:java.member-accessor:possible"])
    }

    @Test func djangoAppModelOfAWholeTableTargetIsFoundByAppLabel() throws {
        let scanner = try makeScanner(["shop_order.*"])
        func scan(_ path: String) throws -> [String] {
            brief(try scanFixture(scanner, root: "django-apps", path).findings[0])
        }
        #expect(
            try scan("shop/models.py") == ["16:django.table-db-table:confirmed", "4:django.app-model-class:confirmed"])
        #expect(try scan("shop/views.py") == ["7:django.app-model-query:confirmed"])
        // `billing.Order` is `billing_order`.
        #expect(try scan("billing/models/order.py") == ["4:django.app-model-class:not-a-use"])
        #expect(try scan("reports/views.py") == ["6:django.app-model-query:not-a-use"])
    }

    @Test func djangoAppModelWithAnUnknownAppIsDecidedByTheFile() throws {
        let scanner = try makeScanner(["shop_order.*"])
        let result = scanText(
            scanner, path: "scripts/cleanup.py",
            """
            def cleanup(Order):
                Order.objects.filter(paid=False).delete()
            """)
        #expect(brief(result.findings[0]) == ["2:django.app-model-query:probable"])
    }
}

extension EmbeddedNameTests {
    @Test func repositoryDeclarationSplitOverTwoLinesStillNamesTheEntity() {
        let result = scanText(
            scanner, path: "src/main/java/shop/repository/LegacyRepository.java",
            """
            package shop.repository;

            public interface LegacyRepository
                    extends PagingAndSortingRepository<Customer, Long> {
                Page<Customer> findByLegacyStatusNot(String legacyStatus, Pageable page);
            }
            """)
        #expect(brief(result.findings[0]) == ["5:spring.repository-derived-query:not-a-use"])
        #expect(brief(result.findings[1]) == ["5:spring.repository-derived-query:confirmed"])
    }

    @Test func upperCaseSqlKeywordsAreNotReceiverTypes() {
        // `WHERE o` must not make `o` a `WHERE`: the alias's table (`Order o`) decides.
        let result = scanText(
            scanner, path: "src/main/java/shop/Queries.java",
            """
            class Queries {
                static final String JPQL = "SELECT o FROM Order o WHERE o.legacyStatus = 'x'";
                static final String SQL = "SELECT c.id FROM customers c WHERE c.legacy_status = 'x'";
            }
            """)
        #expect(brief(result.findings[0]).first == "2:code.member-access:confirmed")
    }
}

extension EmbeddedNameTests {
    @Test func receiverTypesThatMayHoldTheRowLetTheFileDecide() {
        let result = scanText(
            scanner, path: "src/main/java/shop/Export.java",
            """
            import shop.domain.Order;

            class Export {
                String a(OrderSummary summary) { return summary.getLegacyStatus(); }
                String b(Row row) { return row.getLegacyStatus(); }
                String c(Invoice invoice) { return invoice.getLegacyStatus(); }
                // the Old entry is printed below
                String d(Object entry) { return ((Order) entry).getLegacyStatus() + entry.getLegacyStatus(); }
            }
            """)
        #expect(
            brief(result.findings[0]) == [
                "4:java.member-accessor:probable", "5:java.member-accessor:probable",
                "6:java.member-accessor:not-a-use",
                "8:java.member-accessor:probable",
            ])
    }

    @Test func aReceiverDeclaredWithTwoTypesIsNotDecidedByEither() {
        let result = scanText(
            scanner, path: "src/main/java/shop/Two.java",
            """
            class Two {
                String a(Order o) { return "x"; }
                String b(Customer o) { return o.getLegacyStatus(); }
            }
            """)
        #expect(brief(result.findings[0]) == ["3:java.member-accessor:probable"])
    }
}
