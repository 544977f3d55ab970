# SPDX-License-Identifier: MIT
"""Build and install the shmchan Python module with what Debian ships:

    python3 -m pip install --no-build-isolation ./python     (or: --user)
    python3 python/setup.py build_ext --inplace               (for a try)

The extension is compiled from the library's own sources (../src), so the
module needs no installed libshmchan. CMake builds the same module against
the library it builds (python/CMakeLists.txt).
"""
import glob
import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def rel(path):
    # setuptools wants paths relative to setup.py's directory.
    return os.path.relpath(path, HERE)


def version():
    with open(os.path.join(ROOT, "include", "shmchan", "common.h")) as f:
        v = {}
        for line in f:
            for part in ("MAJOR", "MINOR", "PATCH"):
                key = "#define SHMCHAN_VERSION_" + part
                if line.startswith(key):
                    v[part] = line.split()[2]
        return "{MAJOR}.{MINOR}.{PATCH}".format(**v)


core = Extension(
    "shmchan._core",
    sources=[rel(os.path.join(HERE, "shmchan", "_core.c"))]
    + sorted(rel(p) for p in glob.glob(os.path.join(ROOT, "src", "*.c"))),
    include_dirs=[rel(os.path.join(ROOT, "include")), rel(os.path.join(ROOT, "src"))],
    define_macros=[("_GNU_SOURCE", None)],
    extra_compile_args=["-std=gnu11", "-fno-strict-aliasing", "-fvisibility=hidden"],
)

os.chdir(HERE)
setup(
    name="shmchan",
    version=version(),
    description="Messages between processes through shared memory (Linux)",
    license="MIT",
    packages=["shmchan"],
    package_data={"shmchan": ["__init__.pyi", "py.typed"]},
    ext_modules=[core],
    python_requires=">=3.8",
)
