import Testing

@testable import PostgresLog

/// Prefixes of `key=value` fields (`user=%u,db=%d,…`): what follows a key that names a session field is that
/// field, even when it is the same, or empty, on every sampled line.
@Suite struct PrefixKeyedValueTests {
    func sample(_ lines: [String]) -> PrefixSample {
        var sample = PrefixSample()
        for line in lines { Array(line.utf8).withUnsafeBytes { sample.append($0) } }
        return sample
    }

    @Test func backgroundLinesAloneReadEveryKeyAsItsEscape() throws {
        // Only autovacuum and checkpointer lines: every key has an empty value.
        let lines = (0..<12).map { n in
            n % 3 == 0
                ? "2025-03-14 02:0\(n % 10):1\(n % 10) CET [4\(n)17]: [1-1] user=,db=,host=,app= LOG:  checkpoint starting: time"
                : "2025-03-14 02:0\(n % 10):1\(n % 10) CET [4\(n)17]: [1-1] user=,db=,host=,app= LOG:  automatic vacuum of table \"inventory.public.stock\": index scans: 0"
        }
        let decision = try #require(PrefixInference.decide(sample: sample(lines)))
        #expect(decision.prefix.pattern == "%t [%p]: [%l-1] user=%u,db=%d,host=%h,app=%a ")
        #expect(decision.explainedLines == 12)
        #expect(decision.problem == nil)
    }

    @Test func aValueTheSameOnEveryLineIsStillAnEscape() throws {
        // Syslog bodies of a server reached only through its Unix socket: the client is always `[local]`.
        let lines = [
            "db=,user=,app=,client= LOG:  database system is ready to accept connections",
            "db=[unknown],user=[unknown],app=[unknown],client=[local] LOG:  connection received: host=[local]",
            "db=inventory,user=clerk,app=[unknown],client=[local] LOG:  connection authorized: user=clerk database=inventory application_name=stocktake",
            "db=inventory,user=clerk,app=stocktake,client=[local] LOG:  statement: SELECT count(*) FROM stock",
            "db=inventory,user=clerk,app=stocktake,client=[local] LOG:  statement: UPDATE stock SET qty = 0",
            "db=inventory,user=clerk,app=stocktake,client=[local] LOG:  disconnection: session time: 0:00:01.020 user=clerk database=inventory host=[local]",
            "db=[unknown],user=[unknown],app=[unknown],client=[local] LOG:  connection received: host=[local]",
            "db=ledger,user=auditor,app=[unknown],client=[local] LOG:  connection authorized: user=auditor database=ledger application_name=psql",
            "db=ledger,user=auditor,app=psql,client=[local] LOG:  statement: SELECT * FROM entries",
            "db=,user=,app=,client= LOG:  checkpoint starting: time",
        ]
        let decision = try #require(PrefixInference.decide(sample: sample(lines)))
        #expect(decision.prefix.pattern == "db=%d,user=%u,app=%a,client=%h ")
        #expect(decision.explainedLines == 10)
        #expect(decision.problem == nil)
    }

    @Test func syslogLinesWithAConstantClientReadTheClientAsTheHost() throws {
        let text =
            [
                "Mar 14 02:00:01 ledger-db postgres[2201]: [1-1] db=,user=,app=,client= LOG:  database system is ready to accept connections",
                "Mar 14 02:00:05 ledger-db postgres[2230]: [2-1] db=ledger,user=auditor,app=psql,client=[local] LOG:  statement: SELECT 1",
                "Mar 14 02:00:06 ledger-db postgres[2230]: [3-1] db=ledger,user=auditor,app=psql,client=[local] LOG:  statement: SELECT 2",
                "Mar 14 02:00:07 ledger-db postgres[2231]: [2-1] db=ledger,user=teller,app=till,client=[local] LOG:  statement: SELECT 3",
            ].joined(separator: "\n") + "\n"
        let format = try LogFormatDetector.detect(sample: Array(text.utf8))
        #expect(format == .syslog(try LinePrefix(parsing: "db=%d,user=%u,app=%a,client=%h ")))
    }

    @Test func quotedValuesAreEscapesEvenWhenConstantOrEmpty() throws {
        // One user and one database in every session line, none in the background lines.
        let mixed = (0..<6).map { n in
            n % 2 == 0
                ? "2025-03-14 02:00:1\(n).250 UTC pid=\"7\(n)1\" user=\"\" db=\"\" LOG:  checkpoint complete: wrote 3 buffers"
                : "2025-03-14 02:00:1\(n).250 UTC pid=\"7\(n)1\" user=\"teller\" db=\"ledger\" LOG:  statement: SELECT \(n)"
        }
        let decision = try #require(PrefixInference.decide(sample: sample(mixed)))
        #expect(decision.prefix.pattern == "%m pid=\"%p\" user=\"%u\" db=\"%d\" ")
        #expect(decision.explainedLines == 6)
        // Background lines alone.
        let background = try #require(
            PrefixInference.decide(sample: sample(mixed.enumerated().filter { $0.0 % 2 == 0 }.map(\.1))))
        #expect(background.prefix.pattern == "%m pid=\"%p\" user=\"%u\" db=\"%d\" ")
        #expect(background.problem == nil)
    }

    @Test func hostsOfEveryShapeAfterAKeyAreTheHost() throws {
        let hosts = ["::1", "10.1.2.3", "cache-proxy.internal", "[local]", "fe80::2", "10.1.2.4"]
        let lines = hosts.enumerated().map { n, host in
            "2025-03-14 02:00:1\(n) UTC [8\(n)2]: user=teller,db=ledger,client=\(host) LOG:  statement: SELECT \(n)"
        }
        let decision = try #require(PrefixInference.decide(sample: sample(lines)))
        #expect(decision.prefix.pattern == "%t [%p]: user=%u,db=%d,client=%h ")
        #expect(decision.explainedLines == 6)
    }

    @Test func anApplicationNameWithSpacesAfterTheLastKeyIsOneValue() throws {
        let names = ["PostgreSQL JDBC Driver", "psql", "PostgreSQL JDBC Driver", "pg dump nightly", "psql"]
        let lines = names.enumerated().map { n, name in
            "2025-03-14 02:00:1\(n) UTC [9\(n)3] user=teller db=ledger app=\(name) LOG:  statement: SELECT \(n)"
        }
        let decision = try #require(PrefixInference.decide(sample: sample(lines)))
        #expect(decision.prefix.pattern == "%t [%p] user=%u db=%d app=%a ")
        #expect(decision.explainedLines == 5)
    }

    @Test func aValueHoldingTheNextKeyIsRecognised() {
        #expect(PrefixInference.holdsKey(Array(",host=,app=".utf8)))
        #expect(PrefixInference.holdsKey(Array("ledger,host=10.1.2.3,app=psql".utf8)))
        #expect(PrefixInference.holdsKey(Array("ledger app=psql".utf8)))
        #expect(!PrefixInference.holdsKey(Array("ledger".utf8)))
        #expect(!PrefixInference.holdsKey(Array("PostgreSQL JDBC Driver".utf8)))
        #expect(!PrefixInference.holdsKey(Array("a=b".utf8)))
        #expect(!PrefixInference.holdsKey(Array("x, =y".utf8)))
    }
}
