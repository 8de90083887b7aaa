"""Benchmark the CTC decoders against the decoders a user would pick instead; prints a Markdown table.

Peers: the original DS2 decoder (`paddlespeech_ctcdecoders`, wheels for Python 3.9 only, run in a throwaway 3.9 venv)
and `pyctcdecode` with `kenlm` (a throwaway venv that sees this environment's kenlm). Both venvs live under
build/bench_decoders/ and are created on first use; the project does not depend on them.

Input, built deterministically and cached under build/bench_decoders/:
  * sentences of Jane Austen's Persuasion (via R's janeaustenr) turned into CTC posteriors at 100 frames/s over DS2's
    English vocabulary (29 classes): peaky emissions separated by blanks, probability spread over acoustically
    confusable letters, some substitutions and weak (deleted) letters;
  * a 4-gram word LM and a 6-gram character LM trained with lmplz on Pride & Prejudice, Mansfield Park, Emma and
    Northanger Abbey (disjoint from the test sentences).
Each (decoder, setting) runs in its own process, one thread; throughput is audio seconds per CPU second of decoding
(LM loading excluded). A decoder stops after --max_cpu_seconds; WER is then compared on the utterances every decoder of
that row finished.

CPU time on a shared machine moves with the load, so --callgrind_utts=N also counts the instructions each of ours and
DS2's decoder executes on the first N utterances (valgrind's callgrind; a worker run on N utterances minus one on none,
so start-up and LM loading cancel out): a ratio that does not depend on the load.

    python bench/decoders.py --num_utts=200
    python bench/decoders.py --lm_kinds=word --beam_sizes=500 --peers=ds2 --threads=0 --callgrind_utts=10
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # project modules are imported where needed: peer workers run in other Pythons
WORK = os.path.join(ROOT, "build", "bench_decoders")
VOCABULARY = ["'", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
CHAR_SPACE = "_"  # a character LM cannot hold a space token: its rows spell the space '_' everywhere
LM_BOOKS = ["Pride & Prejudice", "Mansfield Park", "Emma", "Northanger Abbey"]
TEST_BOOK = "Persuasion"
# Letters a listener (or an acoustic model) confuses with each letter.
CONFUSABLE = {"a": "eo", "b": "pd", "c": "ks", "d": "tb", "e": "ai", "f": "vp", "g": "kj", "h": "'", "i": "ey",
              "j": "g", "k": "gc", "l": "r", "m": "n", "n": "m", "o": "au", "p": "bt", "q": "k", "r": "l", "s": "zc",
              "t": "dp", "u": "oa", "v": "fb", "w": "vu", "x": "ks", "y": "i", "z": "s", "'": " ", " ": "'"}
ZH_FORTUNE_DIR = "/usr/share/games/fortunes"  # Debian's fortunes-zh (setup.sh installs it)
ZH_FORTUNES = ["chinese", "song100", "tang300"]
PEER_VENVS = {"ds2": ("py39", "/root/.pyenv/versions/3.9.18/bin/python", ["numpy", "paddlespeech_ctcdecoders"]),
              "pyctcdecode": ("py311", sys.executable, ["pyctcdecode"])}


# ----------------------------------------------------------------------------------------------------------------
# Input: sentences, LMs, posteriors


def austen_lines(book: str) -> list[str]:
    script = ("library(janeaustenr); b <- austen_books(); "
              f"writeLines(b$text[b$book == '{book}'])")
    return subprocess.run(["Rscript", "-e", script], check=True, capture_output=True, text=True).stdout.splitlines()


def sentences_of(lines: list[str]) -> list[str]:
    """Normalised sentences (lower case, letters, apostrophes and single spaces) of a book's text lines."""
    text = " ".join(line.strip() for line in lines)
    sentences = []
    for raw in re.split(r"[.!?;:]+", text):
        words = re.sub(r"[^a-z' ]", " ", raw.lower().replace("_", " ")).split()
        words = [w.strip("'") for w in words if w.strip("'")]
        if words:
            sentences.append(" ".join(words))
    return sentences


def simulate_posteriors(text: str, rng: np.random.Generator, vocabulary: list[str] = VOCABULARY,
                        confusable: dict | None = None) -> np.ndarray:
    """CTC posteriors [T, len(vocabulary) + 1] for ``text``: per token 1-3 peaky frames, then 2-6 mostly-blank frames.

    The background logits are lowered by log(len(vocabulary) / 28), so that a large vocabulary's background holds as
    much probability as the 28 English tokens' does.
    """
    confusable = CONFUSABLE if confusable is None else confusable
    blank = len(vocabulary)
    index = {c: i for i, c in enumerate(vocabulary)}
    offset = float(np.log(len(vocabulary) / len(VOCABULARY)))
    frames = []
    for ch in text:
        target = index[ch]
        confusions = [index[c] for c in confusable[ch]]
        event = rng.random()
        for _ in range(int(rng.integers(1, 4))):
            logits = rng.normal(0.0, 0.5, blank + 1) - offset
            logits[blank] = 2.5 + rng.normal(0.0, 0.5)
            logits[target] = 6.0 + rng.normal(0.0, 0.5)
            for c in confusions:
                logits[c] = 6.0 - rng.uniform(1.5, 4.0)
            if event < 0.05:  # substitution: a confusable letter wins, the right one stays close
                logits[confusions[0]] = logits[target] + rng.uniform(0.2, 1.5)
            elif event < 0.07:  # weak letter: the blank wins
                logits[target] = logits[blank] - rng.uniform(0.2, 1.0)
            frames.append(logits)
        for _ in range(int(rng.integers(2, 7))):
            logits = rng.normal(0.0, 0.5, blank + 1) - offset
            logits[blank] = 6.0 + rng.normal(0.0, 0.5)
            logits[target] = 2.5 + rng.normal(0.0, 1.0)
            frames.append(logits)
    logits = np.array(frames)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)


def mandarin_sentences() -> list[str]:
    """Sentences of Debian's fortunes-zh (classical poems and sayings): runs of CJK characters between sentence
    punctuation, other characters dropped."""
    text = ""
    for name in ZH_FORTUNES:
        with open(os.path.join(ZH_FORTUNE_DIR, name), encoding="utf-8", errors="replace") as handle:
            text += handle.read() + "\n"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    sentences = []
    for raw in re.split(r"[\n。！？；%]+", text):
        sentence = "".join(ch for ch in raw if "\u4e00" <= ch <= "\u9fff")
        if sentence:
            sentences.append(sentence)
    return sentences


def prepare_mandarin(num_utts: int) -> dict:
    """Build (once) the Mandarin case: every 10th fortunes-zh sentence of 8-40 characters is a test sentence, the other
    sentences train a character 5-gram LM; the vocabulary is every CJK character of the text (several thousand)."""
    from models.lm.train_lm import build_binary, train_arpa
    os.makedirs(WORK, exist_ok=True)
    paths = {"posteriors": os.path.join(WORK, f"zh_posteriors_{num_utts}.npz"),
             "lm": os.path.join(WORK, "zh_char5.klm"), "vocabulary": os.path.join(WORK, "zh_vocabulary.txt")}
    sentences = mandarin_sentences()
    held_out = [i % 10 == 0 and 8 <= len(s) <= 40 for i, s in enumerate(sentences)]
    if not os.path.exists(paths["lm"]) or not os.path.exists(paths["vocabulary"]):
        lm_text = os.path.join(WORK, "zh_lm_chars.txt")
        with open(lm_text, "w", encoding="utf-8") as handle:
            handle.writelines(" ".join(s) + "\n" for s, test in zip(sentences, held_out) if not test)
        arpa = paths["lm"] + ".arpa"
        train_arpa(lm_text, arpa, 5)
        build_binary(arpa, paths["lm"], "trie")
        os.remove(arpa)
        with open(paths["vocabulary"], "w", encoding="utf-8") as handle:
            handle.writelines(c + "\n" for c in sorted(set("".join(sentences))))
    if not os.path.exists(paths["posteriors"]):
        vocabulary = mandarin_vocabulary(paths["vocabulary"])
        rng = np.random.default_rng(0)
        # Confusable characters: two random ones per character (in speech, its homophones).
        confusable = {c: [vocabulary[j] for j in rng.choice(len(vocabulary), 2, replace=False)] for c in vocabulary}
        candidates = [s for s, test in zip(sentences, held_out) if test]
        chosen = [candidates[i] for i in sorted(rng.choice(len(candidates), num_utts, replace=False))]
        arrays = {f"u{i}": simulate_posteriors(s, rng, vocabulary, confusable) for i, s in enumerate(chosen)}
        np.savez(paths["posteriors"], texts=np.array(chosen), **arrays)
    return paths


def mandarin_vocabulary(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle]


def prepare(num_utts: int) -> dict:
    """Build (once) the test sentences, posteriors and both LMs; returns their paths."""
    from models.lm.train_lm import build_binary, train_arpa
    os.makedirs(WORK, exist_ok=True)
    paths = {"posteriors": os.path.join(WORK, f"posteriors_{num_utts}.npz"),
             "word_lm": os.path.join(WORK, "word4.klm"), "char_lm": os.path.join(WORK, "char6.klm")}
    if not os.path.exists(paths["word_lm"]) or not os.path.exists(paths["char_lm"]):
        lm_sentences = [s for book in LM_BOOKS for s in sentences_of(austen_lines(book))]
        word_text, char_text = os.path.join(WORK, "lm_words.txt"), os.path.join(WORK, "lm_chars.txt")
        with open(word_text, "w") as handle:
            handle.writelines(s + "\n" for s in lm_sentences)
        with open(char_text, "w") as handle:
            handle.writelines(" ".join(s.replace(" ", CHAR_SPACE)) + "\n" for s in lm_sentences)
        for text, order, name in ((word_text, 4, "word_lm"), (char_text, 6, "char_lm")):
            arpa = paths[name] + ".arpa"
            train_arpa(text, arpa, order)
            build_binary(arpa, paths[name], "trie")
            os.remove(arpa)
    if not os.path.exists(paths["posteriors"]):
        rng = np.random.default_rng(0)
        candidates = [s for s in sentences_of(austen_lines(TEST_BOOK)) if 15 <= len(s.split()) <= 60]
        chosen = [candidates[i] for i in sorted(rng.choice(len(candidates), num_utts, replace=False))]
        arrays = {f"u{i}": simulate_posteriors(s, rng) for i, s in enumerate(chosen)}
        np.savez(paths["posteriors"], texts=np.array(chosen), **arrays)
    return paths


# ----------------------------------------------------------------------------------------------------------------
# Workers: each runs in its own process (and, for the peers, its own Python)


def load_posteriors(path: str) -> tuple[list[str], list[np.ndarray]]:
    data = np.load(path)
    texts = [str(t) for t in data["texts"]]
    return texts, [data[f"u{i}"] for i in range(len(texts))]


def vocabulary_for(lm_kind: str) -> list[str]:
    if lm_kind == "zh":
        return mandarin_vocabulary(os.path.join(WORK, "zh_vocabulary.txt"))
    return [CHAR_SPACE if c == " " else c for c in VOCABULARY] if lm_kind == "char" else list(VOCABULARY)


def make_decode(args: argparse.Namespace):
    """A function probs -> text for the worker's decoder and setting (LM loaded here, outside the timing)."""
    vocabulary = vocabulary_for(args.lm_kind)
    if args.worker == "ours":
        from decoders import swig_wrapper
        scorer = swig_wrapper.Scorer(args.alpha, args.beta, args.lm_path, vocabulary) if args.lm_path else None
        return lambda probs: swig_wrapper.ctc_beam_search_decoder(probs, vocabulary, args.beam_size, args.cutoff_prob,
                                                                  40, scorer)[0][1]
    if args.worker == "ds2":
        import paddlespeech_ctcdecoders as ds2
        ps_vocab = ["<space>" if c == " " else c for c in vocabulary] + ["<blank>"]
        scorer = ds2.Scorer(args.alpha, args.beta, args.lm_path, ps_vocab) if args.lm_path else None
        blank = len(vocabulary)

        def decode(probs):
            result = ds2.ctc_beam_search_decoding(probs.astype(np.float64).tolist(), ps_vocab, args.beam_size,
                                                  args.cutoff_prob, 40, scorer, blank)
            return result[0][1].replace("<space>", " ")
        return decode
    from pyctcdecode import build_ctcdecoder
    decoder = build_ctcdecoder(vocabulary + [""], kenlm_model_path=args.lm_path or None)
    return lambda probs: decoder.decode(np.log(np.maximum(probs, 1e-30)), beam_width=args.beam_size)


def run_worker(args: argparse.Namespace) -> None:
    texts, posteriors = load_posteriors(args.posteriors)
    decode = make_decode(args)
    hypotheses, cpu, frames = [], 0.0, 0
    for probs in posteriors[:args.max_utts if args.max_utts >= 0 else None]:
        start = time.process_time()
        hypotheses.append(decode(probs))
        cpu += time.process_time() - start
        frames += probs.shape[0]
        if cpu > args.max_cpu_seconds:
            break
    with open(args.out, "w") as handle:
        json.dump({"hypotheses": hypotheses, "cpu_seconds": cpu, "audio_seconds": frames / 100.0}, handle)


# ----------------------------------------------------------------------------------------------------------------
# Driver


def peer_python(name: str) -> str:
    """The Python of the peer's throwaway venv, created and filled on first use."""
    folder, base_python, packages = PEER_VENVS[name]
    venv = os.path.join(WORK, folder)
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        flags = ["--system-site-packages"] if name == "pyctcdecode" else []
        subprocess.run([base_python, "-m", "venv", *flags, venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *packages], check=True)
    return python


def measure(decoder: str, lm_kind: str, beam_size: int, paths: dict, args: argparse.Namespace) -> dict | None:
    out = os.path.join(WORK, f"result_{decoder}_{lm_kind}_{beam_size}.json")
    if args.reuse_results and os.path.exists(out):
        with open(out) as handle:
            return json.load(handle)
    command = worker_command(decoder, lm_kind, beam_size, paths, args, out)
    if not run_quietly(command, f"{decoder} {lm_kind} beam {beam_size}"):
        return None
    with open(out) as handle:
        return json.load(handle)


def case_settings(lm_kind: str, paths: dict, args: argparse.Namespace) -> dict:
    """Posteriors, LM and DS2 decoding settings of a row's case: English with the command line's alpha and beta and
    cutoff_prob 1.0, or Mandarin with DS2's Aishell settings (alpha 2.6, beta 5.0, cutoff_prob 0.99)."""
    if lm_kind == "zh":
        return {"posteriors": paths["zh"]["posteriors"], "lm_path": paths["zh"]["lm"], "alpha": 2.6, "beta": 5.0,
                "cutoff_prob": 0.99}
    lm_path = {"word": paths["word_lm"], "char": paths["char_lm"], "none": ""}[lm_kind]
    return {"posteriors": paths["posteriors"], "lm_path": lm_path, "alpha": args.alpha, "beta": args.beta,
            "cutoff_prob": 1.0}


def worker_command(decoder: str, lm_kind: str, beam_size: int, paths: dict, args: argparse.Namespace, out: str,
                   max_utts: int = -1, max_cpu_seconds: float | None = None) -> list[str]:
    python = sys.executable if decoder == "ours" else peer_python(decoder)
    case = case_settings(lm_kind, paths, args)
    return [python, os.path.abspath(__file__), f"--worker={decoder}", f"--posteriors={case['posteriors']}",
            f"--lm_kind={lm_kind}", f"--lm_path={case['lm_path']}", f"--beam_size={beam_size}",
            f"--alpha={case['alpha']}", f"--beta={case['beta']}", f"--cutoff_prob={case['cutoff_prob']}",
            f"--max_cpu_seconds={args.max_cpu_seconds if max_cpu_seconds is None else max_cpu_seconds}",
            f"--max_utts={max_utts}", f"--out={out}"]


def run_quietly(command: list[str], what: str) -> bool:
    """Run a worker with one thread everywhere; False (and its error output shown) if it failed."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{what} failed:\n{result.stderr[-1500:]}", file=sys.stderr)
    return result.returncode == 0


def instructions(decoder: str, lm_kind: str, beam_size: int, paths: dict, args: argparse.Namespace,
                 max_utts: int) -> int | None:
    """Instructions a worker executes under callgrind when it decodes its first ``max_utts`` utterances (all of them:
    no CPU-time limit, which callgrind's slowdown would reach). With --reuse_results, a count saved by an earlier run
    is reused."""
    from utils.utility import atomic_write
    name = f"callgrind_{decoder}_{lm_kind}_{beam_size}_{max_utts}"
    profile, saved = os.path.join(WORK, name + ".out"), os.path.join(WORK, name + ".count")
    if args.reuse_results and os.path.exists(saved):
        with open(saved) as handle:
            return int(handle.read())
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={profile}",
               *worker_command(decoder, lm_kind, beam_size, paths, args, os.path.join(WORK, name + ".json"), max_utts,
                               max_cpu_seconds=float("inf"))]
    if not run_quietly(command, name):
        return None
    with open(profile) as handle:
        totals = [line for line in handle if line.startswith("totals:")]
    os.remove(profile)
    with atomic_write(saved) as handle:
        handle.write(totals[0].split()[1])
    return int(totals[0].split()[1])


def print_instruction_table(paths: dict, args: argparse.Namespace) -> None:
    """Decoding instructions of ours and DS2's decoder (N utterances minus none) for each LM and beam asked for."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--callgrind_utts needs valgrind (apt-get install valgrind)")
    n = args.callgrind_utts
    settings = [(lm_kind, int(beam)) for lm_kind in args.lm_kinds.split(",") for beam in args.beam_sizes.split(",")]
    jobs = [(decoder, lm_kind, beam, utts) for lm_kind, beam in settings for decoder in ("ours", "ds2")
            for utts in (0, n)]
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        counts = dict(zip(jobs, pool.map(lambda job: instructions(*job[:3], paths, args, job[3]), jobs)))
    print(f"\ninstructions to decode the first {n} utterances (callgrind; start-up and LM loading subtracted)\n")
    print("| LM | beam | ours (10^9 instr.) | ds2 (10^9 instr.) | ours vs ds2 |")
    print("|---|---|---|---|---|")
    for lm_kind, beam in settings:
        if any(counts[(d, lm_kind, beam, u)] is None for d in ("ours", "ds2") for u in (0, n)):
            continue
        ours, ds2 = ((counts[(d, lm_kind, beam, n)] - counts[(d, lm_kind, beam, 0)]) / 1e9 for d in ("ours", "ds2"))
        print(f"| {lm_kind} | {beam} | {ours:.2f} | {ds2:.2f} | {ds2 / ours:.1f}x |", flush=True)


def error_rate(lm_kind: str, references: list[str], hypotheses: list[str]) -> float:
    """Word error rate of the English cases, character error rate of the Mandarin one."""
    from utils.error_rate import char_errors, word_errors
    errors = total = 0.0
    for ref, hyp in zip(references, hypotheses):
        e, n = char_errors(ref, hyp) if lm_kind == "zh" else word_errors(ref, hyp.replace(CHAR_SPACE, " "))
        errors, total = errors + e, total + n
    return errors / total


def print_greedy(lm_kind: str, paths: dict, args: argparse.Namespace) -> None:
    """The case's size and its greedy error rate."""
    from decoders import swig_wrapper
    references, posteriors = load_posteriors(case_settings(lm_kind, paths, args)["posteriors"])
    vocabulary = vocabulary_for(lm_kind)
    hypotheses = [swig_wrapper.ctc_greedy_decoder(p, vocabulary) for p in posteriors]
    name, unit = ("Mandarin", "CER") if lm_kind == "zh" else ("English", "WER")
    print(f"{name}: {len(references)} utterances, {sum(p.shape[0] for p in posteriors) / 100.0:.0f} s of audio, "
          f"{len(vocabulary)} tokens, greedy {unit} {100 * error_rate(lm_kind, references, hypotheses):.1f}%")


def batch_speedup(paths: dict, beam_size: int, threads: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of the batch decoder with one thread and with ``threads`` threads (word LM).

    CPU time summed over the threads tells whether they ran at once (CPU / wall near the thread count) or had to
    take turns on a busy machine (CPU / wall near 1).
    """
    from decoders import swig_wrapper
    _, posteriors = load_posteriors(paths["posteriors"])
    scorer = swig_wrapper.Scorer(2.5, 0.3, paths["word_lm"], VOCABULARY)
    times = []
    for n in (1, threads):
        wall, cpu = time.perf_counter(), time.process_time()
        swig_wrapper.ctc_beam_search_decoder_batch(posteriors, VOCABULARY, beam_size, n, ext_scoring_func=scorer)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    from utils.utility import add_arguments, print_arguments
    add_arguments("num_utts", int, 200, "Number of test utterances.", parser)
    add_arguments("beam_sizes", str, "500,100", "Beam sizes to compare.", parser)
    add_arguments("lm_kinds", str, "word,char,none,zh", "LM settings to compare: word, char, none (English), zh "
                  "(Mandarin, character LM).", parser)
    add_arguments("peers", str, "ds2,pyctcdecode", "Peer decoders to run.", parser)
    add_arguments("alpha", float, 2.5, "LM weight (DS2 default).", parser)
    add_arguments("beta", float, 0.3, "Word insertion bonus (DS2 default).", parser)
    add_arguments("max_cpu_seconds", float, 60.0, "A decoder stops after this much CPU time per row.", parser)
    add_arguments("reuse_results", bool, False, "Print the table from the last run's saved results.", parser)
    add_arguments("threads", int, 2, "Threads for the batch-decoder scaling check (0 to skip).", parser)
    add_arguments("callgrind_utts", int, 0, "Also count decoding instructions on this many utterances with callgrind "
                  "(ours and ds2; 0 to skip).", parser)
    add_arguments("zh_utts", int, 100, "Number of Mandarin test utterances (lm_kinds zh).", parser)
    args = parser.parse_args()
    print_arguments(args)
    lm_kinds = args.lm_kinds.split(",")
    paths = prepare(args.num_utts)
    if "zh" in lm_kinds:
        paths["zh"] = prepare_mandarin(args.zh_utts)
    for lm_kind in sorted({"zh" if kind == "zh" else "word" for kind in lm_kinds}, reverse=True):
        print_greedy(lm_kind, paths, args)
    print("\n| LM | beam | decoder | utts | WER (zh: CER) % | ours' on these utts | same best text as ours "
          "| audio-s / CPU-s | ours vs this |")
    print("|---|---|---|---|---|---|---|---|---|")
    for lm_kind in lm_kinds:
        references, _ = load_posteriors(case_settings(lm_kind, paths, args)["posteriors"])
        for beam_size in (int(b) for b in args.beam_sizes.split(",")):
            decoders = ["ours"] + [p for p in args.peers.split(",")
                                   if p and not (p == "pyctcdecode" and lm_kind in ("char", "zh"))]
            results = {d: measure(d, lm_kind, beam_size, paths, args) for d in decoders}
            results = {d: r for d, r in results.items() if r is not None}
            speed = {d: r["audio_seconds"] / r["cpu_seconds"] for d, r in results.items()}
            ours = results["ours"]["hypotheses"]
            for d, r in results.items():
                n = min(len(r["hypotheses"]), len(ours))
                wer = error_rate(lm_kind, references[:n], r["hypotheses"][:n])
                ours_wer = error_rate(lm_kind, references[:n], ours[:n])
                same = sum(a == b for a, b in zip(r["hypotheses"][:n], ours[:n]))
                ratio = "" if d == "ours" else f"{speed['ours'] / speed[d]:.1f}x"
                print(f"| {lm_kind} | {beam_size} | {d} | {n} | {100 * wer:.1f} | {100 * ours_wer:.1f} | {same}/{n} | "
                      f"{speed[d]:.1f} | {ratio} |", flush=True)
    if args.threads > 1:
        (one, one_cpu), (many, many_cpu) = batch_speedup(paths, 500, args.threads)
        print(f"\nbatch decoder, word LM, beam 500: 1 thread {one:.1f} s wall ({one_cpu:.1f} s CPU), {args.threads} "
              f"threads {many:.1f} s wall ({many_cpu:.1f} s CPU), speed-up {one / many:.2f}x")
    if args.callgrind_utts > 0:
        print_instruction_table(paths, args)


def worker_main() -> None:
    parser = argparse.ArgumentParser()
    for name, kind in (("worker", str), ("posteriors", str), ("lm_kind", str), ("lm_path", str), ("beam_size", int),
                       ("alpha", float), ("beta", float), ("cutoff_prob", float), ("max_cpu_seconds", float),
                       ("max_utts", int), ("out", str)):
        parser.add_argument("--" + name, type=kind, required=True)
    run_worker(parser.parse_args())


if __name__ == "__main__":
    if any(arg.startswith("--worker=") for arg in sys.argv[1:]):
        worker_main()
    else:
        main()
