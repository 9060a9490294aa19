#!/usr/bin/env python3
"""Writes PostgreSQL stderr logs for `make bench`, shaped like the real server's lines in
Tests/DropScanTests/Fixtures/demo (prefix '%m [%p] %q%u@%d/%a ', extended-protocol executes with
parameter DETAIL lines, multi-line statements, errors). Deterministic: same arguments, same bytes.

usage: generate-logs.py OUTPUT_DIR FILES MIB_PER_FILE
"""
import os
import random
import sys

out, files, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
rng = random.Random(42)
apps = ["shop-web", "billing", "metabase", "nightly-export", "psql", "worker"]
statements = [
    "execute <unnamed>: SELECT id, status, total FROM orders WHERE customer_id = $1",
    "execute S_1: SELECT c.id, c.name, c.status FROM customers c WHERE c.id = $1",
    "execute <unnamed>: UPDATE order_items SET sku = $1 WHERE id = $2",
    "execute S_2: INSERT INTO audit_log (note) VALUES ($1)",
    "statement: SELECT count(*) FROM pg_stat_activity",
    "execute <unnamed>: SELECT o.id, o.total, o.placed_at FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.status = $1",
    "statement: BEGIN",
    "statement: COMMIT",
]
rare = "execute <unnamed>: SELECT o.id, o.legacy_status FROM orders o WHERE o.id = $1"
for n in range(files):
    path = os.path.join(out, "postgresql-%02d.log" % n)
    limit = mib * 1024 * 1024
    written = 0
    second = 1714644000 + n * 86400
    with open(path, "w") as f:
        lines = []
        while written < limit:
            second += rng.random() * 0.01
            ms = int((second % 1) * 1000)
            stamp = "2024-05-%02d %02d:%02d:%02d.%03d UTC" % (
                2 + n, int(second // 3600) % 24, int(second // 60) % 60, int(second) % 60, ms)
            pid = 10000 + rng.randrange(200)
            app = apps[pid % len(apps)]
            prefix = "%s [%d] app@shop/%s " % (stamp, pid, app)
            r = rng.random()
            if r < 0.0005:
                text = rare
            elif r < 0.0008:
                text = "statement: SELECT o.legacy_status,\n\t       count(*)\n\t  FROM orders o\n\t GROUP BY 1;"
            else:
                text = statements[rng.randrange(len(statements))]
            line = prefix + "LOG:  " + text + "\n"
            if "$1" in text:
                line += prefix + "DETAIL:  parameters: $1 = '%d'%s\n" % (
                    rng.randrange(100000), ", $2 = '7'" if "$2" in text else "")
            lines.append(line)
            written += len(line)
            if len(lines) >= 4096:
                f.write("".join(lines))
                lines = []
        f.write("".join(lines))
