"""The data provider: DS2's batch orders, rank shards, padding, worker processes, augmentation seeding, bad input."""
import json

import numpy as np
import pytest

from data_utils.data import (BadUtteranceError, SpeechBatchSampler, SpeechDataset, ctc_min_frames, make_loader,
                             pad_batch)
from tiny_corpus import make_corpus, write_manifest_lines

FEATURES = {"specgram_type": "linear"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(str(tmp_path_factory.mktemp("corpus")))


def flat(batches):
    return [i for batch in batches for i in batch]


DURATIONS = np.random.default_rng(3).uniform(1.0, 20.0, size=103)


def test_sortagrad_first_pass_is_sorted_then_shuffled():
    sampler = SpeechBatchSampler(DURATIONS, 8, "instance_shuffle", sortagrad=True, seed=1)
    first = flat(sampler.global_batches(0))
    assert list(DURATIONS[first]) == sorted(DURATIONS)
    second = flat(sampler.global_batches(1))
    assert sorted(second) == list(range(len(DURATIONS))) and second != first
    assert flat(SpeechBatchSampler(DURATIONS, 8, "instance_shuffle", seed=1).global_batches(0)) != first


@pytest.mark.parametrize("method", ["instance_shuffle", "batch_shuffle"])
def test_every_utterance_once_per_pass(method):
    sampler = SpeechBatchSampler(DURATIONS, 8, method, seed=5)
    for pass_id in range(3):
        batches = sampler.global_batches(pass_id)
        assert sorted(flat(batches)) == list(range(len(DURATIONS)))
        assert all(len(batch) <= 8 for batch in batches)
    assert sampler.global_batches(1) == SpeechBatchSampler(DURATIONS, 8, method, seed=5).global_batches(1)
    assert sampler.global_batches(1) != sampler.global_batches(2)


def test_batch_shuffle_groups_similar_durations_and_clipped_drops_the_rest():
    rank_of = np.empty(len(DURATIONS), dtype=int)
    rank_of[np.argsort(DURATIONS, kind="stable")] = np.arange(len(DURATIONS))
    clipped = SpeechBatchSampler(DURATIONS, 8, "batch_shuffle_clipped", seed=2)
    for pass_id in range(3):
        batches = clipped.global_batches(pass_id)
        assert len(batches) in (len(DURATIONS) // 8, len(DURATIONS) // 8 - 1)
        for batch in batches:  # each batch is a run of consecutive utterances in duration order
            assert len(batch) == 8 and sorted(rank_of[batch]) == list(range(rank_of[batch].min(), rank_of[batch].max() + 1))
        order = [rank_of[batch].min() for batch in batches]
        assert order != sorted(order)  # the batches themselves are shuffled
    full = SpeechBatchSampler(DURATIONS, 8, "batch_shuffle", seed=2).global_batches(0)
    assert full[:len(clipped.global_batches(0))] == clipped.global_batches(0)


def test_rank_shards_are_disjoint_balanced_and_cover_each_global_batch():
    ranks = [SpeechBatchSampler(DURATIONS, 4, "batch_shuffle", seed=9, num_ranks=3, rank=r) for r in range(3)]
    for sampler in ranks:
        sampler.set_pass(1)
    global_batches = ranks[0].global_batches(1)
    shards = [list(sampler) for sampler in ranks]
    assert all(len(s) == len(global_batches) for s in shards)
    for step, batch in enumerate(global_batches):
        parts = [shards[r][step] for r in range(3)]
        assert sorted(flat(parts)) == sorted(batch)
        assert max(map(len, parts)) - min(map(len, parts)) <= 1 and min(map(len, parts)) >= 1
    # a final global batch that cannot give every rank an utterance is dropped in training, kept in evaluation
    tiny = [1.0] * 11
    assert [len(b) for b in SpeechBatchSampler(tiny, 2, num_ranks=4).global_batches(0)] == [8]
    evaluation = [SpeechBatchSampler(tiny, 2, num_ranks=4, rank=r, drop_uneven=False) for r in range(4)]
    assert sorted(i for s in evaluation for batch in s for i in batch) == list(range(11))


def test_skip_resumes_inside_a_pass():
    sampler = SpeechBatchSampler(DURATIONS, 8, "batch_shuffle_clipped", seed=4)
    sampler.set_pass(2, skip=5)
    assert list(sampler) == sampler.global_batches(2)[5:]
    assert len(sampler) == len(sampler.global_batches(2)) - 5
    assert SpeechBatchSampler(DURATIONS, 8, seed=4).longest_batch() == list(np.argsort(DURATIONS)[-8:])


def dataset(corpus, manifest=None, augmentation="[]", **kwargs):
    return SpeechDataset(manifest or corpus["manifest"], corpus["vocab"], corpus["mean_std"], FEATURES,
                         augmentation, output_frames=lambda frames: (frames + 2) // 3, min_frames=11, **kwargs)


def test_padding_to_the_longest_utterance(corpus):
    data = dataset(corpus)
    batch = data.collate([data[i] for i in (0, 1, 2)])
    singles = [data.load(i) for i in (0, 1, 2)]
    lengths = [len(features) for features, _ in singles]
    assert batch["features"].dtype == np.float32 and batch["features"].shape == (3, max(lengths), data.feature_dim)
    assert batch["feature_lengths"].dtype == np.int64 and list(batch["feature_lengths"]) == lengths
    assert batch["tokens"].dtype == np.int32 and list(batch["token_lengths"]) == [len(t) for _, t in singles]
    for row, (features, tokens) in enumerate(singles):
        np.testing.assert_array_equal(batch["features"][row, :len(features)], features)
        assert not batch["features"][row, len(features):].any()
        assert list(batch["tokens"][row, :len(tokens)]) == tokens
    assert "".join(data.vocab_list[t] for t in singles[0][1]) == corpus["entries"][0]["text"]
    empty = pad_batch([], data.feature_dim)
    assert empty["features"].shape == (0, 0, data.feature_dim) and empty["bad"] == []


AUGMENT = json.dumps([{"type": "volume", "params": {"min_gain_dBFS": -10, "max_gain_dBFS": 10}, "prob": 1.0},
                      {"type": "shift", "params": {"min_shift_ms": -50, "max_shift_ms": 50}, "prob": 1.0}])


def collect(data, sampler, workers):
    return {int(i): f[:n].numpy() for batch in make_loader(data, sampler, workers)
            for i, f, n in zip(batch["indices"], batch["features"], batch["feature_lengths"])}


def test_worker_processes_give_the_same_augmented_batches(corpus):
    data = dataset(corpus, augmentation=AUGMENT, seed=11)
    sampler = SpeechBatchSampler(data.durations, 3, "instance_shuffle", seed=11)
    in_process, with_workers = collect(data, sampler, 0), collect(data, sampler, 2)
    assert sorted(in_process) == list(range(len(data)))
    for i in in_process:
        np.testing.assert_array_equal(in_process[i], with_workers[i])
    plain = dataset(corpus).load(0)[0]
    assert not np.array_equal(in_process[0], plain)  # augmentation did something
    data.pass_id = 1
    other_pass = collect(data, sampler, 0)
    assert not np.array_equal(other_pass[0], in_process[0])  # fresh draws each pass


def test_ctc_min_frames_counts_blanks_between_repeats():
    assert ctc_min_frames([1, 2, 3]) == 3
    assert ctc_min_frames([1, 1, 2, 2, 2]) == 8
    assert ctc_min_frames([]) == 0


def test_bad_utterances_are_named_by_manifest_line(corpus, tmp_path):
    entries = [dict(entry) for entry in corpus["entries"][:7]]
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"\x00" * 100)
    entries[0]["text"] = "   "
    entries[1]["audio_filepath"] = str(tmp_path / "nowhere.wav")
    entries[2]["text"] = "x" * 200  # far more characters than output frames
    entries[3]["duration"] = 0.05  # shorter than the receptive field (by the manifest's duration)
    entries[4]["audio_filepath"] = str(garbage)
    entries[5]["text"] = "NO CAPITALS"
    manifest = write_manifest_lines(str(tmp_path / "manifest"), entries)
    data = dataset(corpus, manifest)
    expected = {1: "empty transcript", 2: "does not exist", 3: "CTC alignment", 4: "receptive field",
                6: "not in the vocabulary"}
    assert len(data.bad) == len(expected)
    for message, (line, reason) in zip(data.bad, sorted(expected.items())):
        assert message.startswith(f"{manifest}:{line}: ") and reason in message
    assert len(data) == 2 and [data.where(i) for i in range(2)] == [f"{manifest}:5", f"{manifest}:7"]
    batch = data.collate([data[0], data[1]])
    assert len(batch["indices"]) == 1 and batch["bad"][0].startswith(f"{manifest}:5: ")
    with pytest.raises(BadUtteranceError, match=f"^{manifest}:5: "):
        data.load(0)
    with pytest.raises(BadUtteranceError, match=f"^{manifest}:1: empty transcript"):
        dataset(corpus, manifest, skip_bad=False)
