"""Shared helpers of the binary tests: run labelqa, count checks, validate metric objects."""
import os
import subprocess

results = {"passed": 0, "failed": 0}
BINARY = None


def run(*args, cwd=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, cwd=cwd)


def expect(name, cond, detail=""):
    if cond:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAIL {name}\n{detail}")


def close(a, b, tol=1e-9):
    return a is not None and b is not None and abs(a - b) <= tol


def metric_ok(m):
    keys = {"value", "ci_low", "ci_high", "ci_method"}
    if not keys <= m.keys():
        return False
    if m["value"] is None:
        return isinstance(m.get("undefined_reason"), str) and m["undefined_reason"] != ""
    return m["ci_method"] in ("analytic", "bootstrap")


def summary():
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


_said = set()


def samples(root, what):
    """The shared samples beside the repository (ROOT/../shared/samples), or None after printing one
    line saying that `what` is skipped: a plain clone has no samples."""
    path = os.path.join(root, "..", "shared", "samples")
    if os.path.isdir(path):
        return path
    if what not in _said:
        _said.add(what)
        print(f"skipped: {what} (needs ../shared/samples beside the repository)")
    return None


def json_report(tmp, *args):
    """Runs labelqa with `--json` into a file under tmp; returns (process, parsed report or None)."""
    import json

    out = os.path.join(tmp, "r.json")
    if os.path.exists(out):
        os.remove(out)
    r = run(*args, "--json", out, "-q")
    return r, (json.load(open(out)) if r.returncode == 0 else None)


def json_stdout(*args):
    """Runs labelqa with the JSON report on standard output; returns (parsed report or None, process)."""
    import json

    r = run(*args, "--json", "-", "-q")
    try:
        return json.loads(r.stdout), r
    except ValueError:
        return None, r
