#!/usr/bin/env python3
"""Byte-for-byte regression test of every report labelqa writes.

Usage: test_golden.py LABELQA_BINARY SOURCE_DIR [--update]

Each line of cases.txt is one command (shell words) run from SOURCE_DIR; @OUT@ stands for a fresh
output folder. What a command produces (its exit code, standard output and error, and every file it
writes under @OUT@) is compared byte for byte with expected/<case>/. `--update` rewrites expected/
instead: only do that for a change that is meant to alter a report, and say so in the commit.
Pictures, HTML pages and files larger than 64 KiB are kept as their SHA-256.
"""
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

BINARY, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
UPDATE = "--update" in sys.argv[3:]
HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected")
BIG = 64 * 1024
HASHED = (".png", ".svg", ".html")


def case_name(line):
    words = shlex.split(line)
    slug = "_".join(os.path.basename(w.rstrip("/")) for w in words[1:3] if not w.startswith("@"))
    slug = "".join(c if c.isalnum() or c in "._-" else "_" for c in slug)[:48]
    return f"{words[0]}_{slug}_{hashlib.sha1(line.encode()).hexdigest()[:8]}"


def produce(line, out):
    """Runs one case; returns {relative name: bytes} of everything it produced."""
    rel_out = os.path.relpath(out, SRC)
    args = [w.replace("@OUT@", rel_out) for w in shlex.split(line)]
    env = dict(os.environ)
    # Under the sanitizer build, LeakSanitizer's list of the suppressions it used would be stderr too.
    env["LSAN_OPTIONS"] = (env.get("LSAN_OPTIONS", "") + ":print_suppressions=0").lstrip(":")
    p = subprocess.run([BINARY, *args], cwd=SRC, capture_output=True, timeout=300, env=env)
    got = {
        "exit": f"{p.returncode}\n".encode(),
        "stdout": p.stdout.replace(rel_out.encode(), b"@OUT@"),
        "stderr": p.stderr.replace(rel_out.encode(), b"@OUT@"),
    }
    for root, _, files in os.walk(out):
        for f in files:
            path = os.path.join(root, f)
            name = "out/" + os.path.relpath(path, out)
            data = open(path, "rb").read()
            if len(data) > BIG or f.endswith(HASHED):
                got[name + ".sha256"] = f"sha256 {hashlib.sha256(data).hexdigest()} {len(data)}\n".encode()
            else:
                got[name] = data
    return got


def read_expected(d):
    want = {}
    for root, _, files in os.walk(d):
        for f in files:
            path = os.path.join(root, f)
            want[os.path.relpath(path, d)] = open(path, "rb").read()
    return want


def main():
    lines = [l.strip() for l in open(os.path.join(HERE, "cases.txt")) if l.strip() and not l.startswith("#")]
    passed = failed = 0
    names = set()
    with tempfile.TemporaryDirectory(prefix="labelqa-golden-") as tmp:
        for k, line in enumerate(lines):
            name = case_name(line)
            names.add(name)
            out = os.path.join(tmp, str(k))
            os.makedirs(out)
            got = produce(line, out)
            d = os.path.join(EXPECTED, name)
            if UPDATE:
                shutil.rmtree(d, ignore_errors=True)
                for f, data in got.items():
                    os.makedirs(os.path.dirname(os.path.join(d, f)), exist_ok=True)
                    open(os.path.join(d, f), "wb").write(data)
                passed += 1
                continue
            want = read_expected(d)
            diff = sorted(f for f in set(want) | set(got) if want.get(f) != got.get(f))
            if diff:
                failed += 1
                print(f"FAIL {line}\n  expected/{name}: differs in {', '.join(diff)}")
                for f in diff[:2]:
                    a, b = want.get(f, b"<missing>"), got.get(f, b"<missing>")
                    i = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
                    print(f"  {f}: first difference at byte {i}: expected {a[max(0, i - 60):i + 60]!r}\n  {' ' * len(f)}  got      {b[max(0, i - 60):i + 60]!r}")
            else:
                passed += 1
    if UPDATE and os.path.isdir(EXPECTED):
        for stale in set(os.listdir(EXPECTED)) - names:
            shutil.rmtree(os.path.join(EXPECTED, stale))
    elif os.path.isdir(EXPECTED):
        for stale in sorted(set(os.listdir(EXPECTED)) - names):
            failed += 1
            print(f"FAIL expected/{stale} has no line in cases.txt")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
