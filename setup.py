"""Builds the labelqa Python package: the extension module comes from the project's CMake build
(the same core as the command line). `pip install --no-build-isolation .` runs it.

LABELQA_BUILD_DIR=DIR reuses a CMake build folder (for example `build`, made by scripts/setup.sh)
instead of configuring a fresh one under build/pip."""

import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(labelqa VERSION ([0-9.]+)", f.read()).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        jobs = str(os.cpu_count() or 2)
        build = os.environ.get("LABELQA_BUILD_DIR")
        if build:  # an existing build keeps its settings (its interpreter is the one that will import it)
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build])
        else:
            build = os.path.join(ROOT, "build", "pip")
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DLABELQA_TESTS=OFF",
                                   f"-DPython3_EXECUTABLE={sys.executable}"])
        subprocess.check_call(["cmake", "--build", build, "--target", "_labelqa", "-j", jobs])
        built = os.path.join(build, "python", "labelqa", os.path.basename(self.get_ext_fullpath(ext.name)))
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built, target)


setup(
    version=version(),
    ext_modules=[Extension("labelqa._labelqa", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": os.path.join("build", "setuptools")}},
)
