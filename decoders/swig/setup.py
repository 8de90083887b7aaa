"""Build the SWIG CTC decoder extension `_swig_decoders` in place, with KenLM compiled in.

KenLM's C++ sources come from the `kenlm` sdist on PyPI (decoders/build.sh unpacks it; set KENLM_ROOT). Objects are
compiled in parallel and reused while newer than their source (and, for the decoder's own files, its headers), so
re-running is quick.
"""
import glob
import os
from concurrent.futures import ThreadPoolExecutor

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
KENLM_ROOT = os.environ.get("KENLM_ROOT", os.path.join(HERE, "..", "..", "third_party", "kenlm", "src"))
JOBS = int(os.environ.get("JOBS", os.cpu_count() or 1))


def kenlm_sources() -> list:
    """KenLM's library sources (lm/, util/, double-conversion), without programs and tests."""
    files = []
    for pattern in ("lm/*.cc", "util/*.cc", "util/double-conversion/*.cc"):
        files += glob.glob(os.path.join(KENLM_ROOT, pattern))
    files = [f for f in files if not f.endswith(("main.cc", "test.cc"))]
    if not files:
        raise SystemExit(f"no KenLM sources under {KENLM_ROOT}: run decoders/build.sh")
    return sorted(files)


class ParallelBuildExt(build_ext):
    """build_ext that compiles sources in parallel and skips objects newer than their inputs."""

    def build_extension(self, ext):
        serial_compile = self.compiler.compile

        headers = [os.path.getmtime(h) for h in glob.glob(os.path.join(HERE, "*.h"))]

        def compile_one(source, output_dir, kwargs):
            obj = self.compiler.object_filenames([source], output_dir=output_dir)[0]
            inputs = [os.path.getmtime(source)]
            if os.path.dirname(os.path.abspath(source)) == HERE:  # the decoder's sources include its headers
                inputs += headers
            if os.path.exists(obj) and os.path.getmtime(obj) >= max(inputs) and not self.force:
                return obj
            return serial_compile([source], output_dir=output_dir, **kwargs)[0]

        def parallel_compile(sources, output_dir=None, **kwargs):
            with ThreadPoolExecutor(JOBS) as pool:
                return list(pool.map(lambda s: compile_one(s, output_dir, kwargs), sources))

        self.compiler.compile = parallel_compile
        super().build_extension(ext)


extension = Extension(
    "_swig_decoders",
    sources=["decoders.i", "decoder_utils.cpp", "scorer.cpp", "ctc_decoders.cpp", "plain_beam_search.cpp"] + kenlm_sources(),
    depends=glob.glob(os.path.join(HERE, "*.h")),
    include_dirs=[KENLM_ROOT, HERE],
    define_macros=[("KENLM_MAX_ORDER", "6"), ("NDEBUG", None), ("HAVE_ZLIB", None), ("HAVE_BZLIB", None),
                   ("HAVE_XZLIB", None)],
    extra_compile_args=["-O3", "-std=c++17", "-fvisibility=hidden", "-Wno-sign-compare", "-Wno-unused-local-typedefs"],
    libraries=["z", "bz2", "lzma"],
    swig_opts=["-c++", "-threads"],
    language="c++",
)

setup(name="swig_decoders", version="0.1.0", ext_modules=[extension], cmdclass={"build_ext": ParallelBuildExt})
