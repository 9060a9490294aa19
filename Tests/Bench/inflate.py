#!/usr/bin/env python3
"""The inflate-only time of `make bench`: decompresses gzip files with zlib (the library dropscan uses), in
streaming chunks, on as many worker processes as there are cores, and discards the output.

usage: inflate.py FILE...
"""
import multiprocessing
import os
import sys
import zlib


def inflate(path):
    total = 0
    with open(path, "rb") as f:
        d = zlib.decompressobj(wbits=31)
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            total += len(d.decompress(chunk))
            # Concatenated members: start again on what follows the end of a member.
            while d.eof and d.unused_data:
                rest = d.unused_data
                d = zlib.decompressobj(wbits=31)
                total += len(d.decompress(rest))
        total += len(d.flush())
    return total


if __name__ == "__main__":
    with multiprocessing.Pool(os.cpu_count()) as pool:
        print(sum(pool.map(inflate, sys.argv[1:], chunksize=1)))
