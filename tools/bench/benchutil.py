"""What every benchmark script shares: timing a child process with its peak memory."""
import os
import subprocess
import time


def measure(cmd, ok=(0,), **kw):
    """Runs cmd; returns (wall seconds, peak RSS in MB) from wait4(). Exits on an exit code not in ok.
    stdout goes to /dev/null unless given."""
    kw.setdefault("stdout", subprocess.DEVNULL)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return wall, usage.ru_maxrss / 1024
