#!/usr/bin/env bash
# Build, from registry packages only (no git clone, no wget), and idempotently:
#   1. KenLM's C++ sources, taken from the `kenlm` sdist on PyPI  -> third_party/kenlm/src
#   2. lmplz and build_binary (cmake + Debian's Boost)             -> third_party/kenlm/bin
#   3. the SWIG CTC decoder extension                               -> decoders/swig/_swig_decoders*.so
# Re-running does nothing when the outputs are up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
KENLM_VERSION=${KENLM_VERSION:-0.3.0}
KENLM_DIR=$ROOT/third_party/kenlm
JOBS=${JOBS:-$(nproc)}

# 1. KenLM sources. `--no-build-isolation` stops pip from compiling the sdist's build requirements (cmake) just to
# read its metadata; we only want the archive.
if [ ! -f "$KENLM_DIR/src/lm/model.hh" ]; then
  echo "decoders/build.sh: fetching the kenlm==$KENLM_VERSION sdist from PyPI"
  mkdir -p "$KENLM_DIR/downloads"
  sdist=$KENLM_DIR/downloads/kenlm-$KENLM_VERSION.tar.gz
  if [ ! -f "$sdist" ]; then
    "$PYTHON" -m pip install --quiet setuptools wheel
    "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation \
      -d "$KENLM_DIR/downloads" "kenlm==$KENLM_VERSION"
  fi
  rm -rf "$KENLM_DIR/src.tmp" && mkdir -p "$KENLM_DIR/src.tmp"
  tar xzf "$sdist" -C "$KENLM_DIR/src.tmp" --strip-components=1
  rm -rf "$KENLM_DIR/src" && mv "$KENLM_DIR/src.tmp" "$KENLM_DIR/src"
fi

# 2. lmplz and build_binary.
if [ ! -x "$KENLM_DIR/bin/lmplz" ] || [ ! -x "$KENLM_DIR/bin/build_binary" ]; then
  echo "decoders/build.sh: building lmplz and build_binary"
  cmake -S "$KENLM_DIR/src" -B "$KENLM_DIR/build" -DCMAKE_BUILD_TYPE=Release -DKENLM_MAX_ORDER=6 >/dev/null
  cmake --build "$KENLM_DIR/build" --target lmplz build_binary -j "$JOBS"
  mkdir -p "$KENLM_DIR/bin"
  cp "$KENLM_DIR/build/bin/lmplz" "$KENLM_DIR/build/bin/build_binary" "$KENLM_DIR/bin/"
fi

# 3. The decoder extension (setup.py skips unchanged objects). It is linked under build/, then renamed into place:
# running processes keep the .so mapped, and writing over a mapped file in place (what --inplace does) crashes them.
echo "decoders/build.sh: building the SWIG CTC decoder"
cd "$ROOT/decoders/swig"
KENLM_ROOT="$KENLM_DIR/src" JOBS="$JOBS" "$PYTHON" setup.py -q build_ext --build-lib build/lib
for built in build/lib/_swig_decoders*.so; do
  installed=$(basename "$built")
  if ! cmp -s "$built" "$installed"; then
    cp "$built" "$installed.tmp.$$" && mv -f "$installed.tmp.$$" "$installed"
  fi
done
"$PYTHON" -c "import sys; sys.path.insert(0, '$ROOT'); import decoders.swig_wrapper" \
  && echo "decoders/build.sh: done"
