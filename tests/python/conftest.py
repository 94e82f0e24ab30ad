"""Where the tests find the binary, the sources and the build (set by CTest; see tests/CMakeLists.txt)."""
import os
import subprocess
import json

import pytest

SOURCE = os.environ.get("LABELQA_SOURCE", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BINARY = os.environ.get("LABELQA_BIN", os.path.join(SOURCE, "build", "labelqa"))
BUILD = os.environ.get("LABELQA_BUILD_DIR", os.path.join(SOURCE, "build"))


def example(*parts):
    return os.path.join(SOURCE, "examples", *parts)


def cli_json(*args, ok=(0, 1)):
    """The JSON report the binary writes for `labelqa ARGS --json -`."""
    p = subprocess.run([BINARY, *args, "--json", "-", "-q"], capture_output=True, text=True)
    assert p.returncode in ok, p.stderr
    return json.loads(p.stdout), p.returncode


def sorted_dump(report):
    return json.dumps(report, sort_keys=True, ensure_ascii=False)


@pytest.fixture
def source():
    return SOURCE
