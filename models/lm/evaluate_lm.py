"""How well a KenLM word model covers a text: perplexity, OOV rate and sentences it cannot produce.

A word LM's beam search only ever outputs words of the LM's vocabulary (the decoder restricts each prefix to its
dictionary), so an out-of-vocabulary (OOV) word of a reference transcript is an error that no acoustic model can
avoid. The OOV rate of a test text is therefore the share of its words that the decoder is certain to lose.

    python models/lm/evaluate_lm.py --lm_path data/tiny/lm.klm --text_path sentences.txt
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from utils.utility import add_arguments, print_arguments  # noqa: E402


@dataclass(frozen=True)
class LMCoverage:
    """A text's perplexity under the LM (OOV words excluded, with </s>) and how many of its words are OOV."""

    sentences: int
    words: int
    oov_words: int
    sentences_with_oov: int
    perplexity: float

    @property
    def oov_rate(self) -> float:
        """Share of the words outside the LM's vocabulary: words the beam search can never output."""
        return self.oov_words / self.words if self.words else 0.0

    @property
    def oov_sentence_rate(self) -> float:
        """Share of the sentences holding an OOV word: sentences the beam search can never get right."""
        return self.sentences_with_oov / self.sentences if self.sentences else 0.0


def load_kenlm(path: str):
    """The KenLM model at ``path`` (ARPA or binary), with a clear error for a missing file or module."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"language model file not found: {path}")
    try:
        import kenlm
    except ModuleNotFoundError as error:
        raise RuntimeError("evaluating an LM needs the kenlm Python module (setup.sh installs it)") from error
    return kenlm.Model(path)


def lm_coverage(model, sentences: Iterable[str]) -> LMCoverage:
    """Perplexity and OOV counts of ``sentences`` (transcripts, words separated by spaces) under a KenLM model.

    Perplexity follows SRILM's ppl: OOV words and their scores are left out; each sentence's </s> counts as a word.
    """
    count = words = oov = oov_sentences = scored = 0
    log10_sum = 0.0
    for sentence in sentences:
        tokens = sentence.split()
        if not tokens:
            continue
        count += 1
        words += len(tokens)
        # full_scores yields (log10 prob, n-gram length, is OOV) per word and then for </s>
        scores = list(model.full_scores(" ".join(tokens), bos=True, eos=True))
        missing = sum(1 for _, _, is_oov in scores if is_oov)
        oov += missing
        oov_sentences += missing > 0
        for log10_prob, _, is_oov in scores:
            if not is_oov:
                log10_sum += log10_prob
                scored += 1
    perplexity = 10 ** (-log10_sum / scored) if scored else math.inf
    return LMCoverage(count, words, oov, oov_sentences, perplexity)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("lm_path", str, "data/tiny/lm.klm", "KenLM model (ARPA or binary).", parser)
    add_arguments("text_path", str, "", "Text to score, one transcript a line.", parser)
    args = parser.parse_args()
    print_arguments(args)
    if not os.path.isfile(args.text_path):
        raise SystemExit(f"evaluate_lm.py: text not found: {args.text_path!r}")
    with open(args.text_path, encoding="utf-8") as handle:
        coverage = lm_coverage(load_kenlm(args.lm_path), handle)
    print(f"{coverage.sentences} sentences, {coverage.words} words: perplexity {coverage.perplexity:.1f}, "
          f"OOV {coverage.oov_words} words ({coverage.oov_rate:.2%}), "
          f"{coverage.sentences_with_oov} sentences with an OOV word ({coverage.oov_sentence_rate:.2%})")


if __name__ == "__main__":
    main()
