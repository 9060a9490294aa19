#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target from the test fixtures (Tests/**/Fixtures), the bundled
pattern library, and the multi-line string literals of the tests (logs, migrations and rules written inline).

usage: seeds.py REPOSITORY_ROOT OUTPUT_DIRECTORY
"""
import gzip
import hashlib
import pathlib
import re
import sys

LIMIT = 16 * 1024  # libFuzzer's -max_len in fuzz.sh

root = pathlib.Path(sys.argv[1])
out = pathlib.Path(sys.argv[2])
TARGETS = ["gzip", "detect", "prefix", "frame-stderr", "frame-csvlog", "frame-jsonlog", "frame-syslog",
           "frame-cloud", "patterns", "migrations", "sql", "prefilter"]
LOG_TARGETS = ["detect", "frame-stderr", "frame-csvlog", "frame-jsonlog", "frame-syslog", "frame-cloud"]


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    data = data[:LIMIT]
    directory = out / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


fixtures = [p for p in root.glob("Tests/*/Fixtures/**/*") if p.is_file()]

# Inputs a fuzz target once failed on (regression tests keep them in Fixtures/fuzz/TARGET-NAME).
for path in fixtures:
    if path.parent.name == "fuzz":
        target = next((t for t in TARGETS if path.name.startswith(t + "-")), None)
        if target:
            write(target, path.read_bytes())
fixtures = [p for p in fixtures if p.parent.name != "fuzz"]

# Logs: the gzip files as they are for the gzip reader, decompressed for everything that reads logs.
logs = []
for path in fixtures:
    if path.suffix == ".gz":
        raw = path.read_bytes()
        write("gzip", raw)
        write("gzip", raw[: len(raw) // 2])  # a truncated member
        logs.append(gzip.decompress(raw))
for log in logs:
    # The prefilter: names the shop's logs hold (and one that starts with another's letters), then the log.
    for names in (b"legacy_status orders customers status", b"!Orders legacy_code sku order_items order"):
        write("prefilter", names + b"\n" + log[: LIMIT - len(names) - 1])
    for target in LOG_TARGETS:
        # Windows of the log that start and end with lines, so that each part of it seeds.
        start = 0
        while start < len(log):
            end = log.rfind(b"\n", start, start + LIMIT) + 1 or min(len(log), start + LIMIT)
            write(target, log[start:end])
            start = end
    # The same lines relayed by syslog, and wrapped by the cloud exports.
    lines = log.decode(errors="replace").splitlines()[:200]
    syslog, iso, cloud, watch = [], [], [], []
    for number, line in enumerate(lines, 1):
        syslog.append(f"Nov 24 23:58:56 db postgres[6364]: [{number}-1] {line}")
        iso.append(f"2026-11-24T23:58:56.568+01:00 db postgres[6364]: [{number}-1] {line}")
        escaped = line.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
        cloud.append(
            '{"textPayload":"' + escaped + '","logName":"projects/p/logs/cloudsql.googleapis.com%2Fpostgres.log",'
            '"resource":{"type":"cloudsql_database"},"timestamp":"2026-11-24T22:58:56.568Z"}')
        watch.append('{"timestamp":1795561136568,"message":"' + escaped + '"}')
    for target, text in [("frame-syslog", syslog), ("frame-syslog", iso), ("frame-cloud", cloud),
                         ("frame-cloud", watch)]:
        write(target, "\n".join(text) + "\n")
        write("detect", "\n".join(text) + "\n")
    # The prefix parser: each prefix teams configure (PrefixInference.knownPrefixes), then log lines.
    for prefix in ["%m [%p] ", "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ", "%m [%p] %q%u@%d ",
                   "%t:%r:%u@%d:[%p]:", "%m [%p] %q%u@%d/%a "]:
        write("prefix", prefix + "\n" + "\n".join(lines[:50]) + "\n")

# SQL: the schema and query files, one statement a seed too.
for path in fixtures:
    if path.suffix == ".sql":
        text = path.read_text(errors="replace")
        write("sql", text)
        for statement in text.split(";"):
            if statement.strip():
                write("sql", statement.strip() + ";")
for log in logs:
    for match in re.finditer(rb"(?:statement|execute [^:]*|STATEMENT): +(.*)", log):
        write("sql", match.group(1))

# Pattern files.
for path in list(root.glob("Patterns/**/*.rules")) + [p for p in fixtures if p.suffix == ".rules"]:
    write("patterns", path.read_bytes())

# Migrations: the file's path on the first line, then its text.
for path in fixtures:
    relative = path.relative_to(root).as_posix()
    if "migrat" in relative or path.suffix == ".sql":
        write("migrations", relative + "\n" + path.read_text(errors="replace"))


def literals(text):
    """The multi-line string literals of a Swift file, indentation removed as Swift does."""
    for match in re.finditer(r'#?"""\n(.*?)\n([ \t]*)"""#?', text, re.S):
        body, indent = match.group(1), match.group(2)
        lines = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in body.split("\n")]
        value = "\n".join(lines)
        if not match.group(0).startswith("#"):
            value = value.replace("\\t", "\t").replace('\\"', '"').replace("\\\\", "\\")
        yield value


def migration_path(text):
    if re.search(r"^\s*(from|import) alembic|def upgrade", text, re.M):
        return "alembic/versions/0001_drop.py"
    if "migrations.Migration" in text or "django" in text:
        return "shop/migrations/0002_drop.py"
    if "ActiveRecord::Migration" in text or re.search(r"\bdef (up|change)\b", text):
        return "db/migrate/20240101000000_drop.rb"
    if "MigrationInterface" in text:
        return "src/migrations/1700000000000-Drop.ts"
    if "knex" in text or "queryInterface" in text or "exports.up" in text:
        return "migrations/20240101_drop.js"
    if "--liquibase" in text:
        return "db/changelog/drop.sql"
    return "db/migration/V2__drop.sql"


for path in root.glob("Tests/**/*.swift"):
    if "Fuzz" in path.parts:
        continue
    for value in literals(path.read_text(errors="replace")):
        if re.search(r"\b(LOG|ERROR|STATEMENT|DETAIL):  |postgres\[\d+\]|error_severity|textPayload|logName",
                     value):
            for target in LOG_TARGETS:
                write(target, value)
        if re.search(r"(?i)\b(drop|rename|remove_column|alter)\b", value):
            write("migrations", migration_path(value) + "\n" + value)
            write("sql", value)
        if re.search(r"^rule: ", value, re.M):
            write("patterns", value)
        if re.search(r"(?i)\b(select|insert|update|delete)\b", value):
            write("sql", value)

for target in TARGETS:
    count = len(list((out / target).glob("*"))) if (out / target).exists() else 0
    print(f"seeds: {target}: {count}")
