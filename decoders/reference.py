"""Pure-Python reference of the CTC decoders: DS2's algorithm written plainly, for tests and for reading.

Same semantics as the C++ decoders (decoders/swig): probabilities in, blank last, DS2's pruning, LM score
alpha * log10 P(token | history) + beta per completed word (word LM) or character (character LM), word LMs restricted
to spellings of LM words. It walks the prefix trie and builds n-gram strings the slow, obvious way; the C++ decoder
keeps KenLM states in its trie instead, and the tests check both give the same results.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

OOV_SCORE = -1000.0
SPECIAL_TOKENS = ("<s>", "</s>", "<unk>")
_TINY = float(np.finfo(np.float32).tiny)  # DS2 adds FLT_MIN before taking logs


def _log_sum_exp(x: float, y: float) -> float:
    if x == -math.inf:
        return y
    if y == -math.inf:
        return x
    top = max(x, y)
    return math.log(math.exp(x - top) + math.exp(y - top)) + top


def arpa_vocabulary(arpa_path: str) -> list[str]:
    """The unigrams of an ARPA file (the LM vocabulary)."""
    words, in_unigrams = [], False
    with open(arpa_path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line.startswith("\\"):
                in_unigrams = line == "\\1-grams:"
                continue
            if in_unigrams and line:
                words.append(line.split("\t")[1])
    return words


class ReferenceScorer:
    """DS2's Scorer over the ``kenlm`` Python module and an ARPA file (``end_of_sentence`` as the C++ Scorer's)."""

    def __init__(self, alpha: float, beta: float, arpa_path: str, vocabulary: Sequence[str],
                 end_of_sentence: bool = False):
        import kenlm
        self.alpha, self.beta, self.end_of_sentence = alpha, beta, end_of_sentence
        self.model = kenlm.Model(arpa_path)
        self.max_order = self.model.order
        self.vocabulary = list(vocabulary)
        lm_words = arpa_vocabulary(arpa_path)
        self.character_based = all(len(w) == 1 for w in lm_words if w not in SPECIAL_TOKENS)
        self.space_id = self.vocabulary.index(" ") if " " in self.vocabulary else -2
        token_of = {token: i for i, token in enumerate(self.vocabulary)}
        self.spellings, self.word_prefixes = set(), {()}
        if not self.character_based:
            for word in lm_words:
                if all(ch in token_of and ch != " " for ch in word):
                    spelling = tuple(token_of[ch] for ch in word)
                    self.spellings.add(spelling)
                    self.word_prefixes.update(spelling[:i] for i in range(1, len(spelling) + 1))

    def log_cond_prob(self, words: Sequence[str]) -> float:
        """log10 P(last word | the others), from an empty context; OOV anywhere gives -1000."""
        import kenlm
        state, out = kenlm.State(), kenlm.State()
        self.model.NullContextWrite(state)
        prob = 0.0
        for word in words:
            if word not in self.model:
                return OOV_SCORE
            prob = self.model.BaseScore(state, word, out)
            state, out = out, state
        return prob

    def sent_log_prob(self, words: Sequence[str]) -> float:
        pad = self.max_order if not words else self.max_order - 1
        sentence = ["<s>"] * pad + list(words) + ["</s>"]
        return sum(self.log_cond_prob(sentence[i:i + self.max_order])
                   for i in range(len(sentence) - self.max_order + 1))

    def ngram(self, labels: Sequence[int]) -> list[str]:
        """The last max_order tokens (characters or words) of a label sequence, padded with <s>."""
        if self.character_based:
            tokens = [self.vocabulary[label] for label in labels]
        else:
            tokens = "".join(self.vocabulary[label] for label in labels).split(" ")
        tokens = tokens[-self.max_order:]
        return ["<s>"] * (self.max_order - len(tokens)) + tokens

    def score(self, labels: Sequence[int]) -> float:
        return self.alpha * self.log_cond_prob(self.ngram(labels)) + self.beta

    def end_score(self, labels: Sequence[int]) -> float:
        """alpha * log10 P(</s> | the last words or characters of a finished hypothesis)."""
        tokens = self.split(labels)[-(self.max_order - 1):] if self.max_order > 1 else []
        context = ["<s>"] * (self.max_order - 1 - len(tokens)) + tokens
        return self.alpha * self.log_cond_prob(context + ["</s>"])

    def split(self, labels: Sequence[int]) -> list[str]:
        text = "".join(self.vocabulary[label] for label in labels)
        return list(text) if self.character_based else [w for w in text.split(" ") if w]


class _Prefix:
    """A node of the prefix trie: DS2's PathTrie."""

    def __init__(self, parent: "_Prefix | None" = None, token: int = -1, labels: tuple = ()):
        self.parent, self.token, self.labels = parent, token, labels
        self.children: dict[int, _Prefix] = {}
        self.b_prev = self.nb_prev = self.b_cur = self.nb_cur = self.score = -math.inf
        self.exists = True
        self.word: tuple = ()           # word LMs: tokens of the word being spelled
        self.after_space = False        # word LMs: a space node not yet sent back to the word start

    def child(self, token: int, scorer: ReferenceScorer | None) -> "_Prefix | None":
        node = self.children.get(token)
        if node is not None:
            if not node.exists:
                node.exists = True
                node.b_prev = node.nb_prev = node.b_cur = node.nb_cur = -math.inf
            return node
        word = ()
        if scorer is not None and not scorer.character_based:
            if self.after_space:        # DS2's FST matcher: refuse once, then restart at the word start
                self.after_space = False
                return None
            if token == scorer.space_id:
                if self.word not in scorer.spellings:
                    return None
            else:
                word = self.word + (token,)
                if word not in scorer.word_prefixes:
                    return None
        node = _Prefix(self, token, self.labels + (token,))
        node.word = word
        node.after_space = scorer is not None and not scorer.character_based and token == scorer.space_id
        self.children[token] = node
        return node

    def collect(self, out: list) -> None:
        if self.exists:
            self.b_prev, self.nb_prev = self.b_cur, self.nb_cur
            self.b_cur = self.nb_cur = -math.inf
            self.score = _log_sum_exp(self.b_prev, self.nb_prev)
            out.append(self)
        for node in list(self.children.values()):
            node.collect(out)

    def remove(self) -> None:
        self.exists = False
        if not self.children and self.parent is not None:
            del self.parent.children[self.token]
            if not self.parent.children and not self.parent.exists:
                self.parent.remove()


def _pruned(probs: np.ndarray, cutoff_prob: float, cutoff_top_n: int) -> list[tuple[int, float]]:
    items = list(enumerate(float(p) for p in probs))
    keep = len(items)
    if cutoff_prob < 1.0 or cutoff_top_n < len(items):
        items.sort(key=lambda item: -item[1])
        if cutoff_prob < 1.0:
            total, keep = 0.0, 0
            for _, prob in items:
                total += prob
                keep += 1
                if total >= cutoff_prob or keep >= cutoff_top_n:
                    break
    return [(i, math.log(p + _TINY)) for i, p in items[:keep]]


def _order_key(node: _Prefix) -> tuple:
    return (-node.score, node.token)


def ctc_greedy_decoder(probs_seq: np.ndarray, vocabulary: Sequence[str]) -> str:
    """Best path: argmax per frame, repeats merged, blanks dropped."""
    best = np.argmax(np.asarray(probs_seq), axis=1)
    blank = len(vocabulary)
    return "".join(vocabulary[b] for i, b in enumerate(best) if b != blank and (i == 0 or b != best[i - 1]))


class BeamSearchStream:
    """DS2's CTC prefix beam search as a stream: feed() frames in chunks of any size, finish() once.

    Same semantics as the C++ BeamSearchStream: partial() is the beam's best prefix by its search score now (no final
    LM scores), finish() adds them and returns what ctc_beam_search_decoder returns.
    """

    def __init__(self, vocabulary: Sequence[str], beam_size: int, cutoff_prob: float = 1.0, cutoff_top_n: int = 40,
                 ext_scoring_func: ReferenceScorer | None = None, blank_penalty: float = 0.0):
        self.vocabulary, self.beam_size = list(vocabulary), beam_size
        self.cutoff_prob, self.cutoff_top_n, self.blank_penalty = cutoff_prob, cutoff_top_n, blank_penalty
        self.scorer, self.blank = ext_scoring_func, len(vocabulary)
        self.space_id = self.vocabulary.index(" ") if " " in self.vocabulary else -2
        self.root = _Prefix()
        self.root.score = self.root.b_prev = 0.0
        self.prefixes = [self.root]

    def feed(self, probs_seq: np.ndarray) -> None:
        """Decode the next frames, [T, len(vocabulary) + 1] with the blank last."""
        for probs in np.asarray(probs_seq, dtype=np.float64):
            self._step(probs)

    def _step(self, probs: np.ndarray) -> None:
        scorer, blank, beam_size = self.scorer, self.blank, self.beam_size
        if self.blank_penalty:
            probs = probs.copy()
            probs[blank] *= math.exp(-self.blank_penalty)
            probs /= probs.sum() or 1.0
        min_cutoff, beam = -math.inf, self.prefixes[:beam_size]
        if scorer is not None and len(beam) == beam_size:
            beam.sort(key=_order_key)
            min_cutoff = beam[-1].score + math.log(probs[blank] + _TINY) - max(0.0, scorer.beta)
        for token, log_prob in _pruned(probs, self.cutoff_prob, self.cutoff_top_n):
            for prefix in beam:
                if log_prob + prefix.score < min_cutoff:
                    break
                if token == blank:
                    prefix.b_cur = _log_sum_exp(prefix.b_cur, log_prob + prefix.score)
                    continue
                if token == prefix.token:
                    prefix.nb_cur = _log_sum_exp(prefix.nb_cur, log_prob + prefix.nb_prev)
                new = prefix.child(token, scorer)
                if new is None:
                    continue
                if token != prefix.token:
                    log_p = log_prob + prefix.score
                else:
                    log_p = log_prob + prefix.b_prev if prefix.b_prev > -math.inf else -math.inf
                if scorer is not None and (scorer.character_based or token == self.space_id):
                    log_p += scorer.score(new.labels if scorer.character_based else prefix.labels)
                new.nb_cur = _log_sum_exp(new.nb_cur, log_p)
        prefixes = []
        self.root.collect(prefixes)
        if len(prefixes) > beam_size:
            prefixes.sort(key=_order_key)
            for node in prefixes[beam_size:]:
                node.remove()
            prefixes = prefixes[:beam_size]
        self.prefixes = prefixes

    def partial(self) -> str:
        """The text of the prefix ranked first by its search score now (no final LM scores)."""
        best = min(self.prefixes, key=_order_key)
        return "".join(self.vocabulary[t] for t in best.labels)

    def finish(self) -> list[tuple[float, str]]:
        """The final LM scores, then (negated approximate CTC log prob, text) pairs, best first. Ends the stream."""
        scorer, prefixes = self.scorer, self.prefixes
        if scorer is not None:
            for prefix in prefixes:
                if not scorer.character_based and prefix is not self.root and prefix.token != self.space_id:
                    prefix.score += scorer.score(prefix.labels)
                if scorer.end_of_sentence:
                    prefix.score += scorer.end_score(prefix.labels)
        prefixes.sort(key=_order_key)
        results = []
        for prefix in prefixes:
            approx = prefix.score
            if scorer is not None:
                approx -= len(prefix.labels) * scorer.beta
                approx -= scorer.alpha * scorer.sent_log_prob(scorer.split(prefix.labels))
            results.append((-approx, "".join(self.vocabulary[t] for t in prefix.labels)))
        return results


def ctc_beam_search_decoder(probs_seq: np.ndarray, vocabulary: Sequence[str], beam_size: int,
                            cutoff_prob: float = 1.0, cutoff_top_n: int = 40,
                            ext_scoring_func: ReferenceScorer | None = None,
                            blank_penalty: float = 0.0) -> list[tuple[float, str]]:
    """DS2's CTC prefix beam search; returns (negated approximate CTC log prob, text), best first.

    ``blank_penalty`` scales each frame's blank probability by exp(-blank_penalty) before renormalising the frame.
    It is BeamSearchStream fed all frames at once.
    """
    stream = BeamSearchStream(vocabulary, beam_size, cutoff_prob, cutoff_top_n, ext_scoring_func, blank_penalty)
    stream.feed(probs_seq)
    return stream.finish()
