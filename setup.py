"""Builds the engine's compiled kernels (engine/kernel.pyx for orders,
engine/return_kernel.pyx for returned lines); everything else is in pyproject.toml.
Floating-point contraction is off so that distances and costs are computed with
exactly the operations Python's own arithmetic uses."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension(
                f"engine.{name}",
                [f"engine/{name}.pyx"],
                extra_compile_args=["-O2", "-ffp-contract=off", "-fno-fast-math"],
            )
            for name in ("kernel", "return_kernel")
        ],
        compiler_directives={"language_level": 3},
    )
)
