"""``telephone``: make the utterance sound as if it came over a narrowband phone line.

The line is simulated with sox: a band-pass of [low_hz, high_hz] (a handset and the network's channel filters),
8 kHz sampling, a round trip through a speech codec drawn from ``codecs`` ("gsm": GSM 06.10 full rate, as on 2G
mobile calls; "amr-nb": AMR narrowband 12.2 kbit/s, 3G/VoLTE; "mulaw": G.711 mu-law, the fixed network's PCM;
"none": plain 16-bit PCM), the band-pass again at the far end, and back to the utterance's sample rate. Length and
rate are kept, and the speech stays in place: sox's filters and resampler are linear-phase and delay-compensated,
and AMR's lookahead is removed.
"""
from __future__ import annotations

import random

from data_utils.augmentor.base import AugmentorBase
from data_utils.augmentor.external_tool import CODED, require_tool, round_trip, tool_listing

LINE_RATE = 8000
# codec name -> sox's file type for it (the raw types need the rate and channels given when read)
SOX_TYPES = {"gsm": "gsm", "amr-nb": "amr-nb", "mulaw": "ul", "none": "s16"}
ENCODER_OPTIONS = {"amr-nb": ["-C", "7"]}  # AMR's mode 7 is 12.2 kbit/s (sox's default, mode 0, is 4.75)
# samples at 8 kHz a codec delays the speech by: AMR's 5 ms lookahead (measured, and as in its specification);
# the encoder gets as many zeros at the end, and the decoded start is dropped, so nothing is lost or shifted
CODEC_DELAY = {"amr-nb": 40}
SOX_OPTIONS = ["sox", "-V1", "-D"]  # failures only (a loud utterance clips, as on a line); no random dither


class TelephoneAugmentor(AugmentorBase):
    """Pass every utterance through a phone line with a codec drawn uniformly from ``codecs``."""

    def __init__(self, rng: random.Random, codecs: list, low_hz: float = 300.0, high_hz: float = 3400.0):
        super().__init__(rng)
        if not codecs or any(codec not in SOX_TYPES for codec in codecs):
            raise ValueError(f"codecs must be a non-empty list drawn from {', '.join(SOX_TYPES)}, got {codecs!r}")
        if not 0 < low_hz < high_hz < LINE_RATE / 2:
            raise ValueError(f"low_hz and high_hz must satisfy 0 < low_hz < high_hz < {LINE_RATE // 2} "
                             f"(the 8 kHz line's Nyquist frequency), got low_hz={low_hz}, high_hz={high_hz}")
        require_tool("sox", "sox")
        formats = _sox_formats()
        missing = sorted({SOX_TYPES[codec] for codec in codecs} - formats)
        if missing:
            raise ValueError(f"codecs: this sox cannot write {', '.join(missing)}; "
                             "install the Debian package libsox-fmt-base")
        self.codecs, self.low_hz, self.high_hz = list(codecs), low_hz, high_hz

    def choose(self) -> str:
        """The codec of the next utterance, drawn from the pipeline's rng."""
        return self.rng.choice(self.codecs)

    def transform_audio(self, audio_segment) -> None:
        codec, rate = self.choose(), audio_segment.sample_rate
        band = ["sinc", f"{self.low_hz:g}-{self.high_hz:g}"]
        line = ["-t", SOX_TYPES[codec], "-r", str(LINE_RATE), "-c", "1"]
        raw = ["-t", "f32", "-r", str(rate), "-c", "1"]
        delay = f"{CODEC_DELAY.get(codec, 0)}s"
        encode = (SOX_OPTIONS + raw + ["-"] + line + ENCODER_OPTIONS.get(codec, []) + [CODED]
                  + band + ["rate", str(LINE_RATE), "pad", "0", delay])
        decode = SOX_OPTIONS + line + [CODED] + raw + ["-", "trim", delay] + band + ["rate", str(rate)]
        audio_segment.replace_samples(round_trip(audio_segment.samples, SOX_TYPES[codec], encode, decode))


def _sox_formats() -> set[str]:
    """The file types this sox reads and writes (its help's AUDIO FILE FORMATS line)."""
    for line in tool_listing("sox", "--help").splitlines():
        if line.startswith("AUDIO FILE FORMATS:"):
            return set(line.split(":", 1)[1].split())
    return set()
