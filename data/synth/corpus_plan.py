"""Deterministic plan of the synthetic corpus: which sentence each split gets, spoken by which voice, how.

Sentences are shuffled once with the seed and cut into disjoint pools: test, dev, train and the LM text.
Train sentences are re-used with fresh voices when the requested hours need more utterances than the pool
can give without shrinking the LM text below ``min_lm_fraction`` of all sentences. A share of the train hours can
read sentences of another genre (English: Tatoeba's everyday sentences), which no other split or LM text holds.
The held-out split speaks the test sentences with the held-out voices, so seen and unseen voices are compared on
the same text. Test and dev keep only sentences whose characters all occur in the training text, so every one of
them can be scored with a vocabulary built from train (Mandarin's thousand characters are not all in any one split).
Every random choice of an utterance comes from its own generator seeded by (seed, split, index), so the plan
does not depend on worker order and a larger ``--hours`` keeps the choices of the utterances it shares.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from data.synth.text_sources import Sentence
from data.synth.voices import Voice

TEMPO_RANGE = (0.82, 1.0)  # relative speaking speed; 1.0 is about 165 words per minute
PITCH_RANGE = (-1.0, 1.0)
PEAK_DB_RANGE = (-6.0, -1.0)
CHARS_PER_SECOND = 17.5  # measured mean English speaking speed of the engines at tempo 1.0, for planning hours
EDGE_SILENCE_S = 0.25
AUDIO_RECIPE_VERSION = 2  # bump when synthesis or post-processing changes, so resumed runs remake the WAVs


@dataclass(frozen=True)
class Utterance:
    """One planned WAV: its split, position, voice, the text to speak and its transcript."""

    split: str
    index: int
    voice: Voice
    spoken: str
    text: str
    tempo: float
    pitch: float
    peak_db: float
    chars_per_second: float = CHARS_PER_SECOND

    @property
    def digest(self) -> str:
        """Hash of everything that shapes the audio (and of the audio recipe's version)."""
        key = repr((AUDIO_RECIPE_VERSION, self.voice, self.spoken, round(self.tempo, 4), round(self.pitch, 4),
                    round(self.peak_db, 4)))
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]

    @property
    def uid(self) -> str:
        """File stem; it ends in ``digest``, so a resumed run never reuses a stale WAV."""
        return f"{self.split}-{self.index:06d}-{self.voice.speaker}-{self.digest}"

    @property
    def estimated_duration(self) -> float:
        """Planning estimate of the audio length in seconds."""
        return len(self.text) / (self.chars_per_second * self.tempo) + EDGE_SILENCE_S


def plan_utterance(split: str, index: int, sentence: Sentence, seed: int, voices: dict[str, list[Voice]],
                   weights: dict[str, float], chars_per_second: float = CHARS_PER_SECOND) -> Utterance:
    """Draw the engine (by ``weights``), voice, tempo, pitch and level of one utterance from its own generator."""
    rng = random.Random(f"{seed}:{split}:{index}")
    engines = sorted(engine for engine in weights if weights[engine] > 0)
    engine = rng.choices(engines, weights=[weights[e] for e in engines])[0]
    voice = rng.choice(voices[engine])
    return Utterance(split, index, voice, sentence.spoken, sentence.text, rng.uniform(*TEMPO_RANGE),
                     rng.uniform(*PITCH_RANGE), rng.uniform(*PEAK_DB_RANGE), chars_per_second)


def _take_hours(pool: list[Sentence], start: int, split: str, hours: float, seed: int,
                voices: dict[str, list[Voice]], weights: dict[str, float], max_unique: int,
                reuse: bool, chars_per_second: float, first_index: int = 0) -> list[Utterance]:
    """Plan utterances of ``pool[start:start + max_unique]`` until ``hours`` are reached, cycling if ``reuse``;
    they are numbered from ``first_index``."""
    utterances: list[Utterance] = []
    total = 0.0
    while total < hours * 3600.0:
        taken = len(utterances)
        if taken >= max_unique and not (reuse and max_unique > 0):
            raise ValueError(f"not enough sentences for {hours:.2f} h of the {split} split; lower --hours, "
                             f"--min_lm_fraction or raise --vocab_size")
        utterance = plan_utterance(split, first_index + taken, pool[start + taken % max_unique], seed, voices,
                                   weights, chars_per_second)
        utterances.append(utterance)
        total += utterance.estimated_duration
    return utterances


def make_plan(sentences: list[Sentence], hours: float, seed: int, seen: dict[str, list[Voice]],
              weights: dict[str, float], heldout: list[Voice], dev_fraction: float = 0.05,
              test_fraction: float = 0.10, min_lm_fraction: float = 0.5,
              chars_per_second: float = CHARS_PER_SECOND, everyday: Sequence[Sentence] = (),
              everyday_fraction: float = 0.0) -> tuple[list[Utterance], list[str]]:
    """Plan train/dev/test (seen voices) and test-heldout (``heldout`` voices); returns utterances and LM text.

    ``hours`` counts the seen-voice splits; held-out adds about as much as test. The LM text is every sentence
    that no utterance speaks. ``everyday_fraction`` of the train hours read ``everyday`` sentences (another genre,
    shuffled with the seed; those equal to a book sentence are dropped) instead of book sentences; dev, test and
    held-out are the same as without them, and the book sentences train no longer needs go to the LM text.
    """
    if not 0.0 <= everyday_fraction < 1.0:
        raise ValueError(f"the everyday share of the training hours must be in [0, 1), got {everyday_fraction}")
    missing = [engine for engine, weight in weights.items() if weight > 0 and not seen.get(engine)]
    if missing:
        raise ValueError(f"engines with a weight but no seen voices: {missing}")
    pool = list(sentences)
    random.Random(seed).shuffle(pool)
    lm_minimum = int(min_lm_fraction * len(pool))
    test = _take_hours(pool, 0, "test", hours * test_fraction, seed, seen, weights, len(pool) - lm_minimum, False,
                       chars_per_second)
    dev = _take_hours(pool, len(test), "dev", hours * dev_fraction, seed, seen, weights,
                      len(pool) - lm_minimum - len(test), False, chars_per_second)
    train_start = len(test) + len(dev)
    train_hours = hours * (1.0 - dev_fraction - test_fraction)
    train = _take_hours(pool, train_start, "train", train_hours * (1.0 - everyday_fraction), seed, seen, weights,
                        len(pool) - train_start - lm_minimum, True, chars_per_second)
    train_unique = min(len(train), len(pool) - train_start - lm_minimum)
    if everyday_fraction > 0:
        book_texts = {sentence.text for sentence in pool}
        other = [sentence for sentence in everyday if sentence.text not in book_texts]
        if not other:
            raise ValueError("an everyday share of the training hours was asked for, but there are no everyday "
                             "sentences")
        random.Random(f"{seed}:everyday").shuffle(other)
        train += _take_hours(other, 0, "train", train_hours * everyday_fraction, seed, seen, weights, len(other),
                             True, chars_per_second, first_index=len(train))
    lm_text = [sentence.text for sentence in pool[train_start + train_unique:]]
    train_chars = set().union(*(utterance.text for utterance in train))
    test = [utterance for utterance in test if set(utterance.text) <= train_chars]
    dev = [utterance for utterance in dev if set(utterance.text) <= train_chars]
    heldout_plan = [plan_utterance("test-heldout", u.index, pool[u.index], seed, {"heldout": heldout},
                                   {"heldout": 1.0}, chars_per_second) for u in test] if heldout else []
    return train + dev + test + heldout_plan, lm_text
