#!/usr/bin/env python3
"""Write the tree of one commit of a (bare) git repository into a directory, without a .git.

Usage: checkout.py GIT_DIR COMMIT DEST

Like `git archive COMMIT | tar -x`, but a blob the repository lacks (a partial mirror or snapshot leaves
out large files and LFS content) is skipped and named in DEST/.eval-missing-blobs instead of failing the
whole checkout. Submodules (gitlinks) are skipped. Nothing is downloaded.
"""
import os
import subprocess
import sys


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    git_dir, commit, dest = sys.argv[1:]
    if os.path.exists(dest) and os.listdir(dest):
        print(f"checkout.py: {dest} exists and is not empty; remove it first", file=sys.stderr)
        return 2
    listing = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", "--full-tree", commit],
                             check=True, capture_output=True).stdout
    entries = []
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, path = item.split(b"\t", 1)
        mode, kind, sha = meta.split(b" ")
        if kind != b"blob":
            continue
        entries.append((mode.decode(), sha.decode(), path.decode("utf-8", "surrogateescape")))
    os.makedirs(dest, exist_ok=True)
    missing = []
    cat = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert cat.stdin and cat.stdout
    for mode, sha, path in entries:
        cat.stdin.write(sha.encode() + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            missing.append(path)
            continue
        size = int(header[2])
        data = cat.stdout.read(size)
        cat.stdout.read(1)  # the newline after the object
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if mode == "120000":
            os.symlink(data.decode("utf-8", "surrogateescape"), target)
            continue
        with open(target, "wb") as out:
            out.write(data)
        if mode == "100755":
            os.chmod(target, 0o755)
    cat.stdin.close()
    cat.wait()
    if missing:
        with open(os.path.join(dest, ".eval-missing-blobs"), "w") as out:
            out.write("\n".join(missing) + "\n")
    print(f"{dest}: {len(entries) - len(missing)} files, {len(missing)} missing from the repository")
    return 0


if __name__ == "__main__":
    sys.exit(main())
