#!/usr/bin/env python3
"""Replicates a real server's log files (Tests/Bench/server, run by run-workload.sh) into FILES files of at
least MIB MiB each for `make bench`. The rotated files are read in order as one stream; each copy of the
stream moves every line's date forward by one more day, so the copies read as consecutive days of the same
traffic (a copy is megabytes long: gzip's 32 KiB window cannot see the repetition).

usage: replicate-logs.py SOURCE_DIR OUTPUT_DIR FILES MIB_PER_FILE
"""
import datetime
import os
import re
import sys

source, out, files, mib = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
stream = b"".join(open(os.path.join(source, name), "rb").read() for name in sorted(os.listdir(source)))
if not stream.startswith(b"20") or not stream.endswith(b"\n"):
    sys.exit("replicate-logs.py: %s does not hold complete lines that start with a date" % source)
dates = sorted(set(re.findall(rb"(?m)^(\d{4}-\d{2}-\d{2}) ", stream)))
copies = -(-mib * 1024 * 1024 // len(stream))
os.makedirs(out, exist_ok=True)
shift = 0
for n in range(files):
    with open(os.path.join(out, "postgresql-%02d.log" % n), "wb") as f:
        for _ in range(copies):
            text = b"\n" + stream
            for date in dates:
                day = datetime.date.fromisoformat(date.decode()) + datetime.timedelta(days=shift)
                text = text.replace(b"\n" + date + b" ", b"\n" + day.isoformat().encode() + b" ")
            f.write(text[1:])
            shift += 1
