"""Builds the engine's compiled kernel (engine/kernel.pyx); everything else is in
pyproject.toml. Floating-point contraction is off so that distances and costs are
computed with exactly the operations Python's own arithmetic uses."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension(
                "engine.kernel",
                ["engine/kernel.pyx"],
                extra_compile_args=["-O2", "-ffp-contract=off", "-fno-fast-math"],
            )
        ],
        compiler_directives={"language_level": 3},
    )
)
