"""DecodingOptions and CTCDecoder: one flag definition per option shared by every CLI, the decoder against the C++
API it wraps (with a KenLM model trained here), one loaded scorer for tools/tune.py's grid, clear setup errors."""
import argparse
import csv
import dataclasses
import os
import random
import sys

import numpy as np
import pytest

import infer
import test as test_cli
from bench import beam_width
from deploy import demo_server
from model_fixture import tiny_model  # noqa: F401  (the fixture)
from model_utils import ctc_decoder
from model_utils.ctc_decoder import CTCDecoder, DecodingOptions, add_decoding_args, greedy_numpy
from models.lm.train_lm import train_arpa
from test_cli_decode import transcript_lm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import tune  # noqa: E402

VOCABULARY = ["'", " ", "a", "b", "c", "d"]
WORDS = ["a", "ab", "abc", "bad", "cab", "dab", "add", "bac", "cad", "dad", "b'a", "c'd"]
# Every decoding flag at a value other than its default.
FLAGS = ["--beam_size=37", "--num_proc_bsearch=3", "--cutoff_prob=0.95", "--cutoff_top_n=4",
         "--lm_end_of_sentence=False", "--blank_penalty=1.25", "--lang_model_path=other.klm"]
METHOD_AND_WEIGHTS = ["--decoding_method=ctc_greedy", "--alpha=1.5", "--beta=0.75"]


def test_every_cli_parses_the_same_flags_into_the_same_options():
    expected = DecodingOptions(decoding_method="ctc_greedy", beam_size=37, num_proc_bsearch=3, alpha=1.5, beta=0.75,
                               cutoff_prob=0.95, cutoff_top_n=4, lm_end_of_sentence=False, blank_penalty=1.25,
                               lang_model_path="other.klm")
    for parser in (test_cli.parser, infer.parser, demo_server.parser):
        assert DecodingOptions.from_args(parser.parse_args(FLAGS + METHOD_AND_WEIGHTS)) == expected
        assert DecodingOptions.from_args(parser.parse_args([])) == DecodingOptions()
    tuned = DecodingOptions.from_args(tune.parser.parse_args(FLAGS), decoding_method="ctc_greedy", alpha=1.5,
                                      beta=0.75)
    assert tuned == expected
    bench = DecodingOptions.from_args(beam_width.parser.parse_args(FLAGS + METHOD_AND_WEIGHTS[1:]),
                                      decoding_method="ctc_greedy", beam_size=37)
    assert bench == expected
    assert DecodingOptions.from_args(test_cli.parser.parse_args(expected.to_flags())) == expected


def test_tune_and_bench_take_no_flag_for_what_they_search():
    def flags(parser):
        return {flag for action in parser._actions for flag in action.option_strings}
    assert not {"--decoding_method", "--alpha", "--beta"} & flags(tune.parser)
    assert "--beam_size" not in flags(beam_width.parser)


def test_flag_defaults_and_help_come_from_the_fields(capsys):
    parser = argparse.ArgumentParser()
    add_decoding_args(parser, exclude=("alpha",), beam_size=7)
    args = parser.parse_args([])
    assert not hasattr(args, "alpha") and args.beam_size == 7
    assert DecodingOptions.from_args(args, alpha=0.5) == DecodingOptions(alpha=0.5, beam_size=7)
    with pytest.raises(ValueError, match="--alpha"):
        DecodingOptions.from_args(args)
    with pytest.raises(TypeError, match="beam_width"):
        add_decoding_args(parser, beam_width=3)
    parser.print_help()
    out = " ".join(capsys.readouterr().out.split())
    for field in dataclasses.fields(DecodingOptions):
        if field.name != "alpha":
            assert " ".join(field.metadata["help"].split()) in out


def test_options_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DecodingOptions().alpha = 1.0
    with pytest.raises(ValueError, match="decoding_method"):
        DecodingOptions(decoding_method="viterbi")


@pytest.fixture(scope="module")
def word_lm(tmp_path_factory) -> str:
    """A word trigram ARPA model over WORDS, trained with lmplz."""
    root = tmp_path_factory.mktemp("lm")
    rng = random.Random(3)
    (root / "text.txt").write_text("".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) + "\n"
                                           for _ in range(300)))
    train_arpa(str(root / "text.txt"), str(root / "lm.arpa"), order=3)
    return str(root / "lm.arpa")


def noisy_probs(seed: int, count: int = 6) -> list[np.ndarray]:
    """Probabilities of random word sequences, each character's frame blurred with noise so the LM matters."""
    rng = np.random.default_rng(seed)
    blank = len(VOCABULARY)
    utterances = []
    for _ in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.integers(2, 5)))
        labels = [label for char in text for label in (VOCABULARY.index(char), blank)]
        noise = rng.dirichlet(np.ones(blank + 1), size=len(labels))
        utterances.append((0.45 * np.eye(blank + 1)[labels] + 0.55 * noise).astype(np.float32))
    return utterances


def swig_texts(probs: list[np.ndarray], options: DecodingOptions) -> list[str]:
    """The best beam of each utterance by the C++ API directly, with a scorer of its own."""
    swig = pytest.importorskip("decoders.swig_wrapper", reason="the C++ decoder is not built")
    scorer = swig.Scorer(options.alpha, options.beta, options.lang_model_path, VOCABULARY,
                         options.lm_end_of_sentence)
    results = swig.ctc_beam_search_decoder_batch(probs, VOCABULARY, options.beam_size, options.num_proc_bsearch,
                                                 cutoff_prob=options.cutoff_prob, cutoff_top_n=options.cutoff_top_n,
                                                 ext_scoring_func=scorer, blank_penalty=options.blank_penalty)
    return [beams[0][1] for beams in results]


def option_sets(lm: str) -> list[DecodingOptions]:
    return [DecodingOptions(alpha=0.0, beta=0.0, beam_size=20, num_proc_bsearch=2, lm_end_of_sentence=False,
                            lang_model_path=lm),
            DecodingOptions(alpha=2.5, beta=1.0, beam_size=50, num_proc_bsearch=1, cutoff_prob=0.99, cutoff_top_n=5,
                            blank_penalty=1.5, lang_model_path=lm)]


def test_decoder_gives_the_texts_of_the_cpp_api(word_lm):
    probs = noisy_probs(0)
    expected = [swig_texts(probs, options) for options in option_sets(word_lm)]
    assert expected[0] != expected[1], "the two option sets should decode differently"
    for options, texts in zip(option_sets(word_lm), expected):
        assert CTCDecoder(VOCABULARY, options).decode_batch(probs) == texts


def test_decoders_from_with_options_share_one_scorer_and_keep_their_weights(word_lm):
    probs = noisy_probs(1)
    first, second = option_sets(word_lm)
    decoder = CTCDecoder(VOCABULARY, first)
    changes = {name: getattr(second, name) for name in ("alpha", "beta", "beam_size", "cutoff_prob", "cutoff_top_n",
                                                         "blank_penalty", "num_proc_bsearch")}
    reweighted = decoder.with_options(**changes)
    assert reweighted.scorer is decoder.scorer and reweighted.options == dataclasses.replace(first, **changes)
    alone = CTCDecoder(VOCABULARY, dataclasses.replace(first, **changes)).decode_batch(probs)
    assert reweighted.decode_batch(probs) == alone
    assert decoder.decode_batch(probs) == swig_texts(probs, first)  # back at its own weights after the other's
    with pytest.raises(ValueError, match="lang_model_path"):
        decoder.with_options(lang_model_path="other.arpa")


def test_greedy_decoder_needs_no_language_model_and_matches_numpy():
    probs = noisy_probs(2)
    decoder = CTCDecoder(VOCABULARY, DecodingOptions(decoding_method="ctc_greedy", lang_model_path="missing.klm"))
    assert decoder.scorer is None
    assert decoder.decode_batch(probs) == [greedy_numpy(p, VOCABULARY) for p in probs]


def test_missing_language_model_is_named(tmp_path):
    missing = str(tmp_path / "missing.klm")
    with pytest.raises(FileNotFoundError, match=missing):
        CTCDecoder(VOCABULARY, DecodingOptions(lang_model_path=missing))


def test_without_the_cpp_build_beam_search_says_how_to_build_and_greedy_falls_back(monkeypatch):
    probs = noisy_probs(3)
    monkeypatch.setitem(sys.modules, "decoders.swig_wrapper", None)  # import now raises ImportError
    ctc_decoder._greedy_decoder.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="decoders/build.sh"):
            CTCDecoder(VOCABULARY, DecodingOptions(lang_model_path=""))
        assert ctc_decoder._greedy_decoder() is greedy_numpy
        greedy = CTCDecoder(VOCABULARY, DecodingOptions(decoding_method="ctc_greedy"))
        assert greedy.decode_batch(probs) == [greedy_numpy(p, VOCABULARY) for p in probs]
    finally:
        ctc_decoder._greedy_decoder.cache_clear()


def test_tune_loads_the_language_model_once_for_its_grid(tiny_model, tmp_path, monkeypatch):  # noqa: F811
    swig = pytest.importorskip("decoders.swig_wrapper", reason="the C++ decoder is not built")
    loaded = []

    class CountingScorer(swig.Scorer):
        def __init__(self, *args, **kwargs):
            loaded.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(swig, "Scorer", CountingScorer)
    table = tmp_path / "grid.csv"
    tune.main([f"--model_path={tiny_model['model_path']}", "--use_gpu=False", "--num_proc_data=0",
               f"--tune_manifest={tiny_model['manifest']}", f"--lang_model_path={transcript_lm(tiny_model, tmp_path)}",
               "--num_alphas=2", "--num_betas=3", "--beam_size=20", "--num_proc_bsearch=1", "--batch_size=5",
               f"--table_path={table}", f"--plot_path={tmp_path / 'grid.png'}"])
    assert len(loaded) == 1
    with open(table, newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 6
