import Catalog
import Testing

@testable import SQLResolution

@Suite struct SchemaDumpTests {
    @Test func createTableAndAddColumnGiveColumnsWithTheirLines() {
        let dump = """
            --
            -- PostgreSQL database dump
            --
            \\restrict abc123

            SET statement_timeout = 0;

            CREATE TABLE public.pings (
                id bigint NOT NULL,
                body text,
                "Owner" integer
            );

            CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;

            ALTER TABLE ONLY public.pings ADD COLUMN checksum text;
            ALTER TABLE ONLY public.pings ADD CONSTRAINT pings_pkey PRIMARY KEY (id);
            CREATE UNLOGGED TABLE audit (note text);
            """
        let (tables, problems) = SchemaDump.read(sql: dump, path: "schema.sql")
        #expect(problems.isEmpty)
        #expect(tables.map(\.name) == ["pings", "audit"])
        #expect(tables.first?.schema == "public")
        #expect(tables.first?.columns.map(\.name) == ["id", "body", "Owner", "checksum"])
        #expect(tables.first?.provenance.line == 8)
        #expect(tables.first?.columns.last?.provenance.line == 16)
        #expect(tables.last?.columns.map(\.name) == ["note"])
    }

    @Test func aTableDefinitionThatDoesNotParseIsAProblemWithItsLine() {
        let (tables, problems) = SchemaDump.read(
            sql: "CREATE TABLE ok (a int);\n\nCREATE TABLE broken (a int,, b);\n", path: "structure.sql")
        #expect(tables.map(\.name) == ["ok"])
        #expect(problems.map(\.line) == [3])
    }
}
