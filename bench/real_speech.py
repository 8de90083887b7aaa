"""How the tiny example's model does on real human speech (issue #24): WER/CER of greedy and beam search + LM
decoding, with PocketSphinx 5 beside them, on two Debian packages of real recordings that no training, tuning or
LM text uses:

* wideband read speech: ``pocketsphinx-testdata``, the 16 kHz WAVs of /usr/share/pocketsphinx/test/data/*/ with
  their Sphinx ``transcription`` files (``<s> words </s> (utterance id)``, the audio ``<id>.wav`` beside it);
* telephone prompts: ``asterisk-core-sounds-en-wav`` (or ``-gsm``), 8 kHz recordings of one speaker under
  /usr/share/asterisk/sounds/en_US_f_Allison, with ``asterisk-core-sounds-en``'s transcripts
  /usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz (``name: text``, the audio ``<name>.wav``).

Transcripts are normalised as the synthetic corpus' are (data/synth/normalize_text.py: numbers spelled out, then
lower-case a-z, space and apostrophe); prompts that are no speech (``[beep tone]``), whose written form has no one
reading (``*``, ``#``, acronyms, ``3D``, ``www.asterisk.org``) or whose letters are out of the vocabulary are dropped
and counted. Audio that is not 16 kHz mono WAV is converted into ``--cache_dir``. The manifests
(``<cache_dir>/manifest.<source>``, with a ``source`` field) are decoded by test.py with the tiny recipe's decoding
flags (examples/stages/decoding.sh: beam width, blank penalty, the tune stage's alpha/beta) and by
bench/pocketsphinx_baseline.py; per-utterance results go to ``<cache_dir>/results/test.<source>.<method>.jsonl``.

    apt-get install -y pocketsphinx-testdata asterisk-core-sounds-en-wav
    python bench/real_speech.py --cache_dir /tmp/real_speech
"""
from __future__ import annotations

import argparse
import collections
import functools
import glob
import gzip
import os
import re
import string
import subprocess
import sys

import soundfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "bench"))

from data.synth.normalize_text import normalize_transcript, spoken_form  # noqa: E402
from data_utils.audio import AudioSegment  # noqa: E402
from data_utils.featurizer.text_featurizer import load_vocabulary  # noqa: E402
from data_utils.manifest import read_manifest, write_manifest  # noqa: E402
from pocketsphinx_baseline import SAMPLE_RATE, _init_worker, decode_manifest  # noqa: E402
from tiny_accuracy import score  # noqa: E402
from utils.utility import add_arguments, print_arguments, process_pool  # noqa: E402

POCKETSPHINX_DATA = "/usr/share/pocketsphinx/test/data"
ASTERISK_SOUNDS = "/usr/share/asterisk/sounds/en_US_f_Allison"
ASTERISK_TRANSCRIPTS = "/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
ASTERISK_AUDIO_TYPES = ("wav", "gsm")  # the -wav and -gsm flavours of the prompts
SOURCE_NAMES = {"wideband": "wideband read speech", "telephone": "telephone prompts"}
MODEL_METHODS = ("ctc_greedy", "ctc_beam_search")
METHOD_NAMES = {"ctc_greedy": "greedy", "ctc_beam_search": "beam + LM", "pocketsphinx": "PocketSphinx 5"}

_SPHINX_LINE_RE = re.compile(r"^(.*)\(([^()]+)\)\s*$")
_ANNOTATION_RE = re.compile(r"\[[^]]*\]|\([^)]*\)|<[^>]*>")
# written forms with more than one reading: digits against letters (3D, H.323) and dotted names (www.asterisk.org)
_AMBIGUOUS_RE = re.compile(r"\d[A-Za-z]|[A-Za-z]\.?\d|\w\w\.\w")


class MissingPackage(RuntimeError):
    """A file that a Debian package installs is not there."""


def require(path: str, package: str) -> str:
    """``path``, or MissingPackage naming the apt package that installs it."""
    if not os.path.exists(path):
        raise MissingPackage(f"{path} not found: install it with `apt-get install -y {package}`")
    return path


def sphinx_prompts(data_dir: str) -> list[tuple[str, str]]:
    """(audio path, transcript) of every ``<id>.wav`` named in a Sphinx transcription file under ``data_dir``."""
    require(data_dir, "pocketsphinx-testdata")
    pairs = []
    for path in sorted(glob.glob(os.path.join(data_dir, "*", "*transcription"))):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                match = _SPHINX_LINE_RE.match(line.strip())
                if match:
                    pairs.append((os.path.join(os.path.dirname(path), match.group(2) + ".wav"), match.group(1)))
    return pairs


def asterisk_prompts(sounds_dir: str, transcripts_path: str) -> list[tuple[str, str]]:
    """(audio path, transcript) of every ``name: text`` line of the prompts' transcript file (gzip or plain);
    the audio is ``<sounds_dir>/<name>.wav`` or ``.gsm``, whichever is installed (``.wav`` when neither)."""
    require(transcripts_path, "asterisk-core-sounds-en")
    require(sounds_dir, "asterisk-core-sounds-en-wav")
    opener = gzip.open if transcripts_path.endswith(".gz") else open
    pairs = []
    with opener(transcripts_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            name, colon, text = line.partition(":")
            if colon and not name.startswith(";"):
                candidates = [os.path.join(sounds_dir, f"{name.strip()}.{ext}") for ext in ASTERISK_AUDIO_TYPES]
                pairs.append((next((c for c in candidates if os.path.isfile(c)), candidates[0]), text))
    return pairs


def normalise_prompt(text: str, vocabulary: set[str]) -> tuple[str | None, str]:
    """The transcript in the model's alphabet and "", or None and why it cannot be normalised."""
    spoken = _ANNOTATION_RE.sub(" ", text).strip()
    if not re.search(r"[A-Za-z0-9]", spoken):
        return None, "no speech in the transcript"
    if _AMBIGUOUS_RE.search(spoken):
        return None, "ambiguous written form (3D, H.323, www.x.org)"
    readable = spoken_form(spoken)
    if readable is None:
        return None, "symbols or acronyms (*, #, PBX)"
    normalised = normalize_transcript(readable)
    if not set(normalised) <= vocabulary:
        return None, "characters outside the vocabulary"
    return normalised, ""


def audio_for_model(path: str, cache_path: str) -> str:
    """``path`` if it is 16 kHz mono WAV, else its 16 kHz WAV conversion at ``cache_path`` (made once)."""
    if path.endswith(".wav"):
        info = soundfile.info(path)
        if info.samplerate == SAMPLE_RATE and info.channels == 1:
            return path
    if not os.path.isfile(cache_path):
        os.makedirs(os.path.dirname(cache_path), exist_ok=True)
        partial = cache_path + ".part.wav"
        if path.endswith(".wav"):
            audio = AudioSegment.from_file(path)
            audio.resample(SAMPLE_RATE)
            audio.to_wav_file(partial)
        else:  # headerless GSM and other telephone formats: sox knows them by extension
            subprocess.run(["sox", path, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", partial], check=True)
        os.replace(partial, cache_path)
    return cache_path


def build_manifest(source: str, prompts: list[tuple[str, str]], cache_dir: str, vocabulary: set[str],
                   max_utterances: int = 0) -> tuple[str, collections.Counter]:
    """Write ``<cache_dir>/manifest.<source>`` from the prompts that have audio and a normalisable transcript (the
    first ``max_utterances`` of them when positive); returns its path and the dropped prompts counted by reason."""
    entries, dropped = [], collections.Counter()
    root = os.path.commonpath([path for path, _ in prompts]) if prompts else ""
    for audio_path, text in prompts:
        normalised, reason = normalise_prompt(text, vocabulary)
        if not os.path.isfile(audio_path):
            dropped["audio not installed"] += 1
        elif normalised is None:
            dropped[reason] += 1
        elif not max_utterances or len(entries) < max_utterances:
            name = os.path.splitext(os.path.relpath(audio_path, root))[0]
            wav = audio_for_model(audio_path, os.path.join(cache_dir, "audio", source, name + ".wav"))
            entries.append({"audio_filepath": wav, "duration": soundfile.info(wav).duration, "text": normalised,
                            "source": source})
    manifest = os.path.join(cache_dir, f"manifest.{source}")
    write_manifest(manifest, entries)
    return manifest, dropped


def recipe_decode_flags(recipe_dir: str, overrides: dict[str, str]) -> list[str]:
    """test.py's flags as the recipe's test stage passes them (``conf.sh`` + examples/stages/decoding.sh, so the
    tune stage's alpha/beta when it has run), the recipe's variables ``overrides`` set first."""
    script = (f'source "{recipe_dir}/conf.sh" && source examples/stages/decoding.sh && '
              'printf "%s\\n" "${DECODE_FLAGS[@]}" --batch_size "$DECODE_BATCH_SIZE"')
    result = subprocess.run(["bash", "-c", script], cwd=REPO, env={**os.environ, **overrides}, check=True,
                            capture_output=True, text=True)
    return result.stdout.splitlines()


def run_model(manifest: str, method: str, flags: list[str], output: str) -> None:
    """Decode ``manifest`` with test.py (``--output_file output``), as examples/stages/test.sh does."""
    command = [sys.executable, "test.py", *flags, "--decoding_method", method, "--test_manifest", manifest,
               "--output_file", output]
    subprocess.run(command, cwd=REPO, check=True)


def run_pocketsphinx(manifests: dict[str, str], results_dir: str, num_workers: int) -> None:
    """Decode each source's manifest with bench/pocketsphinx_baseline.py's recogniser."""
    with process_pool(num_workers, initializer=_init_worker) as pool:
        for source, manifest in manifests.items():
            decode_manifest(pool, manifest, os.path.join(results_dir, f"test.{source}.pocketsphinx.jsonl"), source)
        pool.close()  # workers end on their own: terminating them makes paddle, if loaded, report a fatal signal
        pool.join()


def table(manifests: dict[str, str], results_dir: str, methods: list[str]) -> str:
    """Markdown table: per source, utterances, hours and each method's WER/CER ("-" where it has no results)."""
    header = "| source | utterances | hours | " + " | ".join(f"{METHOD_NAMES[m]} WER | {METHOD_NAMES[m]} CER"
                                                           for m in methods) + " |"
    lines = [header, "|---|---:|---:|" + "---:|" * (2 * len(methods))]
    for source, manifest in manifests.items():
        cells = []
        for method in methods:
            path = os.path.join(results_dir, f"test.{source}.{method}.jsonl")
            result = score(path, {}) if os.path.isfile(path) else None
            cells += [f"{result[key] * 100:.1f}%" if result else "-" for key in ("wer", "cer")]
        entries = read_manifest(manifest)
        hours = sum(entry["duration"] for entry in entries) / 3600
        lines.append(f"| {SOURCE_NAMES[source]} | {len(entries)} | {hours:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's flags."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arg = functools.partial(add_arguments, argparser=parser)
    add_arg("cache_dir", str, "/tmp/ds2_real_speech", "Manifests, converted audio and results/.")
    add_arg("max_utterances", int, 0, "At most this many utterances per source (0: all).")
    add_arg("decoders", str, "ctc_greedy,ctc_beam_search,pocketsphinx", "Comma-separated decoders to run.")
    add_arg("recipe_dir", str, "examples/tiny", "Recipe whose conf.sh gives the decoding flags.")
    add_arg("model_path", str, "examples/tiny/checkpoints/params.avg", "Checkpoint to decode with.")
    add_arg("vocab_path", str, "data/tiny/vocab.txt", "The model's vocabulary (prompts outside it are dropped).")
    add_arg("mean_std_path", str, "data/tiny/mean_std.npz", "The model's feature mean/std.")
    add_arg("lang_model_path", str, None, "KenLM LM of beam search ('' for none; default: the recipe's LM_PATH, "
            "data/tiny/lm.klm, or data/tiny/lm_general.klm with LM_TEXT_SOURCES=general).")
    add_arg("alpha", str, None, "LM weight (default: the tune stage's, from <LOG_DIR>/tuned_params.sh, else 2.5).")
    add_arg("beta", str, None, "Word bonus (default: the tune stage's, else 0.3).")
    add_arg("num_workers", int, 2, "PocketSphinx processes.")
    add_arg("pocketsphinx_data", str, POCKETSPHINX_DATA, "pocketsphinx-testdata's folder.")
    add_arg("asterisk_sounds", str, ASTERISK_SOUNDS, "asterisk-core-sounds-en-wav's (or -gsm's) folder.")
    add_arg("asterisk_transcripts", str, ASTERISK_TRANSCRIPTS, "asterisk-core-sounds-en's transcript file.")
    return parser.parse_args(argv)


def model_flags(args: argparse.Namespace) -> list[str]:
    """test.py's flags: the recipe's decoding flags with this script's model, vocabulary, mean/std, LM, alpha, beta."""
    recipe_vars = {"MODEL_PATH": args.model_path, "LM_PATH": args.lang_model_path, "ALPHA": args.alpha,
                   "BETA": args.beta}
    flags = recipe_decode_flags(args.recipe_dir, {k: v for k, v in recipe_vars.items() if v is not None})
    if args.lang_model_path == "":  # the recipe's ${LM_PATH:-default} cannot be set empty
        flags.append("--lang_model_path=")
    return flags + ["--vocab_path", args.vocab_path, "--mean_std_path", args.mean_std_path]


def model_vocabulary(vocab_path: str) -> set[str]:
    """The characters of the model's vocabulary file; before the model exists, the transcripts' alphabet."""
    if os.path.isfile(vocab_path):
        return set(load_vocabulary(vocab_path))
    print(f"{vocab_path} not found: transcripts are checked against a-z, space and apostrophe only")
    return set(string.ascii_lowercase + " '")


def main(argv: list[str] | None = None) -> None:
    """Build the manifests, decode them with each of ``--decoders`` and print the table."""
    args = parse_args(argv)
    for name in ("cache_dir", "recipe_dir", "model_path", "vocab_path", "mean_std_path", "lang_model_path"):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    print_arguments(args)
    decoders = args.decoders.split(",")
    unknown = set(decoders) - set(METHOD_NAMES)
    if unknown:
        sys.exit(f"real_speech.py: unknown decoders {', '.join(sorted(unknown))}")
    vocabulary = model_vocabulary(args.vocab_path)
    try:
        prompts = {"wideband": sphinx_prompts(args.pocketsphinx_data),
                   "telephone": asterisk_prompts(args.asterisk_sounds, args.asterisk_transcripts)}
    except MissingPackage as err:
        sys.exit(f"real_speech.py: {err}")
    manifests = {}
    for source, pairs in prompts.items():
        manifests[source], dropped = build_manifest(source, pairs, args.cache_dir, vocabulary, args.max_utterances)
        print(f"{source}: {len(pairs)} prompts, dropped {sum(dropped.values())}: {dict(dropped)}")
    results_dir = os.path.join(args.cache_dir, "results")
    os.makedirs(results_dir, exist_ok=True)
    if set(decoders) & set(MODEL_METHODS):
        if not os.path.exists(args.model_path):
            sys.exit(f"real_speech.py: no model at {args.model_path} (train it: bash examples/tiny/run.sh)")
        flags = model_flags(args)
        for source, manifest in manifests.items():
            for method in MODEL_METHODS:
                if method in decoders:
                    run_model(manifest, method, flags, os.path.join(results_dir, f"test.{source}.{method}.jsonl"))
    if "pocketsphinx" in decoders:
        run_pocketsphinx(manifests, results_dir, args.num_workers)
    print(table(manifests, results_dir, decoders))


if __name__ == "__main__":
    main()
