#!/usr/bin/env python3
"""The Debian package: `cpack -G DEB` on the build folder, extracted into a scratch root with
`dpkg -x`, and run from there: the binary, a man page per subcommand, bash completion, docs and
examples.

Usage: test_package.py CPACK BUILD_DIR
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

CPACK, BUILD = sys.argv[1], os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import expect  # noqa: E402

if not shutil.which("dpkg-deb") or not shutil.which("dpkg-shlibdeps"):
    print("skipped: the Debian package test needs dpkg-deb and dpkg-shlibdeps (Debian package dpkg-dev; scripts/setup.sh installs it)")
    sys.exit(0)

TMP = tempfile.mkdtemp(prefix="labelqa-deb-")
p = subprocess.run([CPACK, "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", TMP], capture_output=True, text=True)
debs = [f for f in os.listdir(TMP) if f.endswith(".deb")]
expect("cpack -G DEB builds one package", p.returncode == 0 and len(debs) == 1, p.stdout[-800:] + p.stderr[-800:])
if not debs:
    sys.exit(harness.summary())
deb = os.path.join(TMP, debs[0])
info = subprocess.run(["dpkg-deb", "-f", deb], capture_output=True, text=True).stdout
expect("the package names itself and its library dependencies", re.search(r"^Package: labelqa$", info, re.M) and
       all(lib in info for lib in ("libtbb12", "libgeos-c1v5", "libcairo2", "libspng0")), info)
root = os.path.join(TMP, "root")
p = subprocess.run(["dpkg", "-x", deb, root], capture_output=True, text=True)
expect("dpkg -x extracts it", p.returncode == 0, p.stderr)

binary = os.path.join(root, "usr", "bin", "labelqa")
p = subprocess.run([binary, "--version"], capture_output=True, text=True)
expect("the packaged binary runs: --version with the libraries", p.returncode == 0 and p.stdout.startswith("labelqa ") and "GEOS" in p.stdout, p.stderr)
examples = os.path.join(root, "usr", "share", "doc", "labelqa", "examples")
p = subprocess.run([binary, "agree", os.path.join(examples, "sentiment.csv"), "--json", "-", "-q"], capture_output=True, text=True)
expect("the packaged binary runs agree on the packaged examples", p.returncode == 0 and '"fleiss_kappa"' in p.stdout, p.stderr)
p = subprocess.run([binary, "gold", os.path.join(examples, "gold", "delivery.csv"), "--gold", os.path.join(examples, "gold", "gold.csv"),
                    "--policy", os.path.join(examples, "gold", "qa.toml"), "-q"], capture_output=True, text=True)
expect("the packaged binary gates gold on the packaged examples (a rule fails there: exit 1)", p.returncode == 1 and "gate failed" in p.stderr, p.stderr)
for doc in ("README.md", "docs/ci.md", "docs/limits.md", "docs/formats.md"):
    expect(f"the package holds {doc}", os.path.exists(os.path.join(root, "usr", "share", "doc", "labelqa", doc)))

man = os.path.join(root, "usr", "share", "man", "man1")
subcommands = ["agree", "gold", "validate", "report", "merge"]
for page in ["labelqa"] + [f"labelqa-{s}" for s in subcommands]:
    path = os.path.join(man, f"{page}.1.gz")
    text = gzip.open(path, "rt").read() if os.path.exists(path) else ""
    expect(f"man page {page}(1): sections and exit status", text.startswith(f".TH {page.upper()} 1") and all(
        f".SH {s}" in text for s in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS")), text[:300])
    if page != "labelqa":
        sub = page.split("-", 1)[1]
        help_text = subprocess.run([binary, sub, "--help"], capture_output=True, text=True).stdout
        flags = sorted(set(re.findall(r"^  (?:-\w,)?(--[a-z][a-z0-9-]*)", help_text, re.M)))
        missing = [f for f in flags if f.replace("-", "\\-") not in text]
        expect(f"man page {page}(1) documents every flag of `labelqa {sub} --help`", flags and not missing, missing)
validate_page = gzip.open(os.path.join(man, "labelqa-validate.1.gz"), "rt").read()
expect("labelqa-validate(1) has the CI flags", "\\-\\-sarif" in validate_page and "\\-\\-gitlab\\-codequality" in validate_page)

completion = os.path.join(root, "usr", "share", "bash-completion", "completions", "labelqa")
if os.path.exists(completion) and shutil.which("bash"):
    def complete(*words):
        script = (f"source '{completion}'; COMP_WORDS=(labelqa {' '.join(words)}); COMP_CWORD={len(words)}; _labelqa; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        return subprocess.run(["bash", "-c", script], capture_output=True, text=True).stdout.split()
    expect("bash completion: subcommands", complete("va") == ["validate"] and sorted(complete("")) == sorted(subcommands + ["--help", "--version"]),
           complete(""))
    expect("bash completion: a subcommand's flags", complete("validate", "--sa") == ["--sarif"] and "--gold" in complete("gold", "--go"),
           complete("validate", "--sa"))
else:
    expect("the package holds bash completion", False, completion)

sys.exit(harness.summary())
