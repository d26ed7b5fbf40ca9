"""Build hook for the optional native SM3 accelerator.

Project metadata lives in pyproject.toml; this file only declares the C extension. It is
optional: when no compiler is available the build carries on and
ysj_protocol.crypto.sm3 falls back to OpenSSL's SM3 (slower, same results).
"""

import sys

from setuptools import Extension, setup

_UNIX_FLAGS = ["-O3", "-fno-strict-aliasing"]

setup(
    ext_modules=[
        Extension(
            "ysj_protocol.crypto._sm3",
            sources=["ysj_protocol/crypto/_sm3.c"],
            extra_compile_args=[] if sys.platform == "win32" else _UNIX_FLAGS,
            optional=True,
        )
    ]
)
