import Testing

@testable import DropScan

@Suite struct PostgresConfTests {
    @Test func readsQuotedValuesAsPostgreSQLDoes() throws {
        let conf = try PostgresConf.parse(
            """
            # comment
            log_line_prefix = '%m [%p] %q%u@%d ''x'' \\'y\\' '   # trailing comment
            Log_Destination stderr
            log_line_prefix='%t [%p] '
            """)
        #expect(conf.settings["log_line_prefix"] == "%t [%p] ", "the last setting wins")
        #expect(conf.settings["log_destination"] == "stderr", "names are case-insensitive, '=' is optional")
        let first = try PostgresConf.parse("log_line_prefix = '%m [%p] %q%u@%d ''x'' \\'y\\' '\n")
        #expect(first.settings["log_line_prefix"] == "%m [%p] %q%u@%d 'x' 'y' ")
    }

    @Test func anUnterminatedQuoteNamesTheLine() {
        do {
            _ = try PostgresConf.parse("a = 1\nlog_line_prefix = '%m [%p]\n", name: "pg.conf")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "pg.conf:2: unterminated quoted string")
        }
    }
}

@Suite struct ScopedPrefixTests {
    @Test func aGlobBeforeTheFirstEqualsSignScopesThePrefix() {
        let scoped = ScopedPrefix(argument: "/var/log/pg1/*=%m [%p] ")
        #expect(scoped == ScopedPrefix(glob: "/var/log/pg1/*", prefix: "%m [%p] "))
        #expect(scoped.applies(to: "/var/log/pg1/postgresql.log"))
        #expect(!scoped.applies(to: "/var/log/pg2/postgresql.log"))
        let byName = ScopedPrefix(argument: "*.csv=%t ")
        #expect(byName.applies(to: "/logs/a/b.csv"), "a glob without '/' matches the file name")
    }

    @Test func aPrefixWithKeysIsNotAGlob() {
        #expect(ScopedPrefix(argument: "user=%u,db=%d ") == ScopedPrefix(glob: nil, prefix: "user=%u,db=%d "))
        #expect(ScopedPrefix(argument: "[%p]=x ") == ScopedPrefix(glob: nil, prefix: "[%p]=x "))
    }
}
