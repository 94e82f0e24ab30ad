#!/usr/bin/env python3
"""The core library alone gives the CLI's JSON: runs tests/core/core_commands (linked without
src/cli) and the labelqa binary on the same examples, and compares the reports byte for byte.

Usage: test_core_commands.py LABELQA_BINARY CORE_COMMANDS_BINARY SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile

BINARY, CORE, SRC = (os.path.abspath(a) for a in sys.argv[1:4])

CASES = {
    "agree_objects.json": ["agree", "examples/coco/alice.json", "examples/coco/bob.json"],
    "agree_ratings.json": ["agree", "examples/sentiment.csv", "--min", "fleiss_kappa=0.2"],
    "gold.json": ["gold", "examples/gold/delivery.csv", "--gold", "examples/gold/gold.csv", "--policy", "examples/gold/qa.toml"],
    "validate.json": ["validate", "examples/validate/instances.json", "--classes", "examples/validate/classes.txt"],
    "report.json": ["report", "examples/report/ratings.csv", "--gold", "examples/report/gold.csv"],
}


def main():
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="labelqa-core-") as tmp:
        core_dir = os.path.join(tmp, "core")
        os.makedirs(core_dir)
        p = subprocess.run([CORE, core_dir], cwd=SRC, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"FAIL core_commands exited {p.returncode}: {p.stderr}")
            print("0 passed, 1 failed")
            return 1
        for name, args in CASES.items():
            cli_out = os.path.join(tmp, "cli_" + name)
            r = subprocess.run([BINARY, *args, "--json", cli_out, "-q"], cwd=SRC, capture_output=True, text=True)
            core = open(os.path.join(core_dir, name), "rb").read()
            cli = open(cli_out, "rb").read() if os.path.exists(cli_out) else b""
            if r.returncode in (0, 1) and cli and core == cli:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {name}: the core library's JSON differs from `labelqa {' '.join(args)}` (exit {r.returncode}, "
                      f"{len(core)} bytes against {len(cli)}) {r.stderr}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
