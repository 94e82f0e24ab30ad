#!/usr/bin/env python3
"""Checks the layering of the sources (ARCHITECTURE.md): every `#include "labelqa/LAYER/..."` in
src/X/ and include/labelqa/X/ must name a layer X may use, and the core (everything but src/cli/)
never includes CLI11, never prints, and names no command-line flag in its messages.

Usage: layers.py SOURCE_DIR            check the tree; exit 1 listing every wrong-way include
       layers.py SOURCE_DIR --self-test   also show that a planted wrong-way include is caught
"""
import os
import re
import shutil
import sys
import tempfile

# Each layer and the layers it may include (error.hpp, at the top of include/labelqa/, is shared).
ALLOWED = {
    "geometry": set(),
    "model": {"geometry"},
    "io": {"model", "geometry"},
    "metrics": {"model", "geometry"},
    "validate": {"metrics", "io", "model", "geometry"},
    "report": {"validate", "metrics", "io", "model", "geometry"},
    "commands": {"report", "validate", "metrics", "io", "model", "geometry"},
    "cli": {"commands", "report", "validate", "metrics", "io", "model", "geometry"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')
FLAG = re.compile(r"(?<![\w-])--[a-z]")
REPORT_TEXT = "// flag in report text"  # a flag a report names for its reader (kept: reports are byte-stable)
PRINTS = re.compile(r"\b(std::cout|std::cerr|printf\s*\(|fprintf\s*\(|puts\s*\(|std::exit\s*\(|\bexit\s*\(|abort\s*\()")


def files_of(root, layer):
    for base in (os.path.join(root, "src", layer), os.path.join(root, "include", "labelqa", layer)):
        for dirpath, _, names in os.walk(base):
            for n in sorted(names):
                if n.endswith((".cpp", ".hpp", ".h")):
                    yield os.path.join(dirpath, n)


def check(root):
    problems = []
    for layer, allowed in ALLOWED.items():
        for path in files_of(root, layer):
            text = open(path, encoding="utf-8").read()
            rel = os.path.relpath(path, root)
            for lineno, line in enumerate(text.splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                parts = target.split("/")
                if parts[0] == "labelqa" and len(parts) > 2:
                    used = parts[1]
                    if used != layer and used not in allowed:
                        problems.append(f"{rel}:{lineno}: {layer} may not include {target} (layer {used}; {layer} may use: "
                                        f"{', '.join(sorted(allowed)) or 'nothing'})")
                elif layer != "cli" and parts[0] == "CLI":
                    problems.append(f"{rel}:{lineno}: the core may not include CLI11 ({target})")
            if layer != "cli":
                for lineno, line in enumerate(text.splitlines(), 1):
                    code_part = line.split("//")[0] if not line.lstrip().startswith('"') else line
                    if REPORT_TEXT in line:
                        continue
                    for lit in STRING.findall(code_part):
                        if FLAG.search(lit):
                            problems.append(f"{rel}:{lineno}: a core message names a command-line flag ({lit}); name the setting "
                                            f"in words and pass it as the error's setting()")
                code = re.sub(r"//[^\n]*|\"(?:\\.|[^\"\\])*\"", "", text)
                for m in PRINTS.finditer(code):
                    lineno = code[: m.start()].count("\n") + 1
                    problems.append(f"{rel}:{lineno}: the core never prints or exits ({m.group(1).strip()})")
    return problems


def main():
    root = os.path.abspath(sys.argv[1])
    problems = check(root)
    for p in problems:
        print(f"FAIL {p}")
    passed, failed = (0, len(problems)) if problems else (1, 0)
    if "--self-test" in sys.argv[2:]:
        # A copy of the tree with one include pointing the wrong way must fail.
        with tempfile.TemporaryDirectory(prefix="labelqa-layers-") as tmp:
            for d in ("src", "include"):
                shutil.copytree(os.path.join(root, d), os.path.join(tmp, d))
            planted = os.path.join(tmp, "src", "metrics", "gates.cpp")
            with open(planted, "a", encoding="utf-8") as f:
                f.write('#include "labelqa/report/format.hpp"\n')
                f.write('void planted() { throw UsageError("--min needs a value"); }\n')
            found = check(tmp)
            ok = len(found) == len(problems) + 2 and any("metrics may not include labelqa/report/format.hpp" in p for p in found)
            print(("" if ok else "FAIL ") + "a planted wrong-way include (metrics -> report) is reported")
            passed, failed = passed + ok, failed + (not ok)
            ok = any("names a command-line flag" in p and "--min needs" in p for p in found)
            print(("" if ok else "FAIL ") + "a planted core message naming a flag is reported")
            passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
