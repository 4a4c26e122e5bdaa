"""Build of the optional compiled kernels; everything else about the package is in pyproject.toml.

``optional=True``: where no C compiler is available the extension is skipped with a warning, the install goes on,
and the models run their numpy code (bit-identical, slower). ``-ffp-contract=off`` keeps the compiler from fusing
a*b+c into one rounding, which would change the bits (see src/realpolitik/models/_kernels.c).
"""

import sys

from setuptools import Extension, setup

unix = sys.platform != "win32"
setup(
    ext_modules=[
        Extension(
            "realpolitik.models._kernels",
            ["src/realpolitik/models/_kernels.c"],
            extra_compile_args=["-O3", "-ffp-contract=off", "-fno-fast-math"] if unix else ["/O2", "/fp:precise"],
            optional=True,
        )
    ]
)
