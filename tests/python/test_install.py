"""The documented install: `pip install --no-build-isolation .` from the checkout, offline, into a
scratch virtual environment (Debian's numpy, pandas and setuptools seen through
--system-site-packages), then the README's one-liner prints the binary's numbers."""
import os
import subprocess
import sys

from conftest import BUILD, SOURCE, cli_json


def test_pip_install_offline_and_the_readme_line(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = dict(os.environ, LABELQA_BUILD_DIR=BUILD, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    p = subprocess.run([str(venv / "bin" / "python3"), "-m", "pip", "install", "--no-build-isolation", "--no-index", "-q", SOURCE],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    line = "import labelqa; print(labelqa.agree('examples/sentiment.csv')['overall'])"
    p = subprocess.run([str(venv / "bin" / "python3"), "-c", line], capture_output=True, text=True, env=env, cwd=SOURCE)
    assert p.returncode == 0, p.stderr
    expected, _ = cli_json("agree", os.path.join(SOURCE, "examples", "sentiment.csv"))
    assert p.stdout.strip() == str(expected["overall"])
    p = subprocess.run([str(venv / "bin" / "python3"), "-c", "import labelqa, os; print(labelqa.__file__)"], capture_output=True, text=True,
                       env=env, cwd=tmp_path)
    assert p.stdout.strip().startswith(str(venv)), p.stdout  # the installed package, not the build folder's
