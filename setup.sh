#!/usr/bin/env bash
# One-time, idempotent set-up on a fresh Debian machine (run as root, or with sudo available):
# Debian packages, Python packages, the C++ CTC decoder and KenLM's lmplz/build_binary.
# Re-running skips what is already done. Set SKIP_APT=1 to skip apt-get (e.g. no root).
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
failed=()
step() { echo "==> $*"; }

# MBROLA lives in Debian's contrib and non-free components, which Debian images leave out: add them.
enable_contrib_non_free() {
  local sources=/etc/apt/sources.list.d/ds2-contrib-non-free.sources codename
  [ -f "$sources" ] || ! grep -qx "ID=debian" /etc/os-release 2>/dev/null && return 0
  apt-cache policy mbrola 2>/dev/null | grep -q "Candidate: [0-9]" && return 0
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  step "enabling Debian contrib and non-free ($sources)"
  printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: $codename $codename-updates" \
    "Components: contrib non-free" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" \
    | $SUDO tee "$sources" >/dev/null
}

APT_PACKAGES=(
  # audio I/O and tools
  libsndfile1 sox
  # the codec augmentor's lossy round trips: MP3 (LAME), Opus and Vorbis encoders (data_utils/augmentor/codec.py);
  # sox's GSM and AMR-NB formats (telephone.py) come with sox's libsox-fmt-base
  ffmpeg
  # text-to-speech engines for the synthetic corpora (data/synth)
  espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
  # British LPC diphone voices the model trains on (the three above are held out)
  festvox-rablpc16k festvox-don
  # MBROLA (Debian contrib), its English diphone voices (non-free: no use in a product that is sold) and their
  # Festival front ends (contrib)
  mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 festvox-us1 festvox-us2 festvox-us3 festvox-en1
  # more English voices, off in the tiny example's default engine weights (data/synth/README.md): RHVoice's HTS
  # voices (non-free) and SVOX Pico's pico2wave (non-free)
  rhvoice rhvoice-english libttspico-utils
  # English text sources for the synthetic corpus (Austen via R)
  r-base-core r-cran-janeaustenr r-cran-tokenizers r-cran-stringr
  # Chinese sentences for the Mandarin synthetic corpus
  fortunes-zh
  # general English LM text (data/synth/lm_text_en.py): the World English Bible (public domain) read with
  # diatheke, and the English fortune files (BSD)
  sword-text-web diatheke fortunes
  # C++ decoder and KenLM tools
  build-essential cmake swig
  libboost-program-options-dev libboost-system-dev libboost-thread-dev libboost-test-dev
  zlib1g-dev libbz2-dev liblzma-dev
  # headless browser for the demo page's test (deploy/)
  chromium
  # load-independent instruction counts in bench/decoders.py --callgrind_utts
  valgrind
  # real human speech that bench/real_speech.py evaluates on (read speech; telephone prompts, with the
  # transcripts in asterisk-core-sounds-en): never trained, tuned or LM-texted on
  pocketsphinx-testdata asterisk-core-sounds-en-wav
)

if [ "${SKIP_APT:-0}" != "1" ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" != "0" ] && SUDO="sudo"
    enable_contrib_non_free
    step "apt-get install ${missing[*]}"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; }; then
      failed+=("apt-get install ${missing[*]}")
    fi
  else
    step "Debian packages already installed"
  fi
fi

step "pip install -r requirements.txt"
if ! $PYTHON -m pip install -q -r requirements.txt; then
  failed+=("pip install -r requirements.txt")
fi

if [ -x decoders/build.sh ]; then
  step "building the CTC decoder and KenLM tools (decoders/build.sh)"
  PYTHON=$PYTHON bash decoders/build.sh || failed+=("decoders/build.sh")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "setup.sh: these steps FAILED:" >&2
  for f in "${failed[@]}"; do echo "  - $f" >&2; done
  exit 1
fi
echo "setup.sh: done"
