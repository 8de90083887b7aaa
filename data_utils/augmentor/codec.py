"""``codec``: a lossy round trip through a low-bitrate audio codec, as speech sent or stored compressed would have.

The utterance is encoded with ffmpeg in a format drawn from ``formats`` ("mp3": LAME; "opus": libopus in Ogg;
"vorbis": libvorbis in Ogg) at a bitrate drawn uniformly from [min_bitrate_kbps, max_bitrate_kbps], decoded back
to its own sample rate and cut to exactly its own length. Encoders add priming samples at the start and padding at
the end; the containers record both (the MP3's LAME header, Ogg's pre-skip and granule positions) and ffmpeg's
decoder drops them, so the speech stays aligned with the original (to a couple of samples; tested).
"""
from __future__ import annotations

import random

from data_utils.augmentor.base import AugmentorBase, check_range
from data_utils.augmentor.external_tool import CODED, require_tool, round_trip, tool_listing

# format -> (ffmpeg encoder, file suffix, lowest and highest bitrate in kbit/s the encoder takes for 16 kHz mono)
FORMATS = {
    "mp3": ("libmp3lame", "mp3", 8.0, 160.0),
    "opus": ("libopus", "opus", 6.0, 256.0),
    "vorbis": ("libvorbis", "ogg", 16.0, 96.0),
}
FFMPEG_QUIET = ["ffmpeg", "-hide_banner", "-loglevel", "error"]


class CodecAugmentor(AugmentorBase):
    """Encode and decode every utterance with a format and a bitrate drawn from the configured ones."""

    def __init__(self, rng: random.Random, formats: list, min_bitrate_kbps: float, max_bitrate_kbps: float):
        super().__init__(rng)
        if not formats or any(name not in FORMATS for name in formats):
            raise ValueError(f"formats must be a non-empty list drawn from {', '.join(FORMATS)}, got {formats!r}")
        check_range("min_bitrate_kbps", min_bitrate_kbps, "max_bitrate_kbps", max_bitrate_kbps)
        for name in formats:
            low, high = FORMATS[name][2:]
            if not low <= min_bitrate_kbps <= max_bitrate_kbps <= high:
                raise ValueError(f"{name} takes bitrates in [{low:g}, {high:g}] kbit/s at 16 kHz, got "
                                 f"min_bitrate_kbps={min_bitrate_kbps}, max_bitrate_kbps={max_bitrate_kbps}")
        require_tool("ffmpeg", "ffmpeg")
        encoders = _ffmpeg_encoders()
        missing = sorted({FORMATS[name][0] for name in formats} - encoders)
        if missing:
            raise ValueError(f"formats: this ffmpeg has no {', '.join(missing)} encoder; "
                             "install Debian's ffmpeg package")
        self.formats = list(formats)
        self.min_bitrate_kbps, self.max_bitrate_kbps = min_bitrate_kbps, max_bitrate_kbps

    def choose(self) -> tuple[str, float]:
        """The format and bitrate (kbit/s) of the next utterance, drawn from the pipeline's rng."""
        return self.rng.choice(self.formats), self.rng.uniform(self.min_bitrate_kbps, self.max_bitrate_kbps)

    def transform_audio(self, audio_segment) -> None:
        name, kbps = self.choose()
        encoder, suffix = FORMATS[name][:2]
        raw = ["-f", "f32le", "-ar", str(audio_segment.sample_rate), "-ac", "1"]
        encode = FFMPEG_QUIET + raw + ["-i", "pipe:0", "-c:a", encoder, "-b:a", str(round(kbps * 1000)), CODED]
        decode = FFMPEG_QUIET + ["-i", CODED] + raw + ["pipe:1"]
        audio_segment.replace_samples(round_trip(audio_segment.samples, suffix, encode, decode))


def _ffmpeg_encoders() -> set[str]:
    """The names of the encoders this ffmpeg was built with (``ffmpeg -encoders``)."""
    rows = [line.split() for line in tool_listing("ffmpeg", "-hide_banner", "-encoders").splitlines()]
    return {row[1] for row in rows if len(row) >= 2 and len(row[0]) == 6}
