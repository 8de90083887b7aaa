"""bench/tiny_accuracy.py: error rates per split, decoder and voice family (or voice) from result files."""
import pytest

from bench.tiny_accuracy import MAX_VOICES_LISTED, channel_ratios, comparisons, paired_bootstrap, table, voice_families
from data_utils.manifest import write_manifest


@pytest.fixture
def results(tmp_path):
    data, logs = tmp_path / "data", tmp_path / "logs"
    data.mkdir()
    logs.mkdir()
    # test has more voices than are listed one by one (its other utterances have no results here)
    test = [("a.wav", "espeak_en-us_m5"), ("b.wav", "flite_awb_x0.90"), ("c.wav", "flite_rms")]
    test += [(f"x{i}.wav", f"espeak_en-gb_f{i}") for i in range(MAX_VOICES_LISTED)]
    heldout = [("d.wav", "festival_kal_diphone"), ("e.wav", "festival_ked_diphone")]
    ood = [("f.wav", "festival_kal_diphone"), ("g.wav", "flite_slt")]
    for split, voices in (("test", test), ("test-heldout", heldout), ("test-ood", ood), ("test-ood-noise", ood)):
        write_manifest(data / f"manifest.{split}", [{"audio_filepath": str(data / name), "duration": 1.0,
                                                     "text": "x", "speaker": speaker} for name, speaker in voices])
    # test: a has 1 of 4 words wrong, b 0 of 2, c 2 of 2 (hand-counted substitutions)
    write_manifest(logs / "test.test.ctc_greedy.jsonl", [
        {"audio_filepath": str(data / "a.wav"), "target": "the cat sat down", "hypothesis": "the cat sit down"},
        {"audio_filepath": str(data / "b.wav"), "target": "good day", "hypothesis": "good day"},
        {"audio_filepath": str(data / "c.wav"), "target": "yes no", "hypothesis": "yet so"}])
    # held-out: d 0 of 3 words wrong, e 1 of 1
    write_manifest(logs / "test.test-heldout.ctc_beam_search.jsonl", [
        {"audio_filepath": str(data / "d.wav"), "target": "one two three", "hypothesis": "one two three"},
        {"audio_filepath": str(data / "e.wav"), "target": "four", "hypothesis": "for"}])
    return data, logs


def test_families_for_many_voices_and_voices_for_a_few(results):
    data, _ = results
    assert sorted(set(voice_families(str(data), "test").values())) == ["espeak", "flite"]
    assert sorted(voice_families(str(data), "test-heldout").values()) == ["kal_diphone", "ked_diphone"]
    assert sorted(voice_families(str(data), "test-ood").values()) == ["festival_kal_diphone", "flite_slt"]
    assert voice_families(str(data), "dev") == {}


def write_ood_results(data, logs):
    """Beam search on the out-of-domain split: clean 1 of 4 words wrong, noisy 2 of 4, for PocketSphinx 3 of 4."""
    f, g = str(data / "f.wav"), str(data / "g.wav")
    for split, method, hypotheses in (("test-ood", "ctc_beam_search", ("a b c", "dx")),
                                      ("test-ood-noise", "ctc_beam_search", ("a b x", "dx")),
                                      ("test-ood-noise", "pocketsphinx", ("a y x", "dx"))):
        write_manifest(logs / f"test.{split}.{method}.jsonl", [
            {"audio_filepath": path, "target": target, "hypothesis": hypothesis}
            for path, target, hypothesis in ((f, "a b c", hypotheses[0]), (g, "d", hypotheses[1]))])


def test_out_of_domain_rows_per_voice_and_channel_ratios(results):
    data, logs = results
    write_ood_results(data, logs)
    lines = table(str(logs), str(data)).splitlines()
    clean = next(line for line in lines if line.startswith("| test-ood | ctc_beam_search"))
    assert "| 2 | 25.0% |" in clean and "festival_kal_diphone 0.0%" in clean and "flite_slt 100.0%" in clean
    assert any(line.startswith("| test-ood-noise | pocketsphinx | 2 | 75.0% |") for line in lines)
    assert channel_ratios(str(logs), "test-ood") == [
        "test-ood-noise: ctc_beam_search WER 50.0% = 2.00x the clean test-ood's 25.0%"]
    assert channel_ratios(str(logs), "test-heldout") == []


def test_table_rates(results):
    data, logs = results
    lines = table(str(logs), str(data)).splitlines()
    test_row = next(line for line in lines if line.startswith("| test | ctc_greedy"))
    # 3 word errors over 8 words; espeak 1/4, flite 2/4
    assert "| 3 | 37.5% |" in test_row
    assert "espeak 25.0%" in test_row and "flite 50.0%" in test_row
    heldout_row = next(line for line in lines if line.startswith("| test-heldout | ctc_beam_search"))
    assert "| 2 | 25.0% |" in heldout_row
    assert "kal_diphone 0.0%" in heldout_row and "ked_diphone 100.0%" in heldout_row


def test_bad_result_line_names_file_and_line(results):
    data, logs = results
    with open(logs / "test.test.ctc_greedy.jsonl", "a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    with pytest.raises(ValueError, match=r"test\.test\.ctc_greedy\.jsonl:4"):
        table(str(logs), str(data))


def test_paired_bootstrap_against_pocketsphinx(results):
    data, logs = results
    ours = logs / "test.test-heldout.ctc_beam_search.jsonl"
    # PocketSphinx: d 1 of 3 words wrong, e 1 of 1 -> beam search is 1 error better over 4 words (-25 points)
    theirs = logs / "test.test-heldout.pocketsphinx.jsonl"
    write_manifest(theirs, [
        {"audio_filepath": str(data / "d.wav"), "target": "one two three", "hypothesis": "one two tree"},
        {"audio_filepath": str(data / "e.wav"), "target": "four", "hypothesis": "fore"}])
    diff, low, high, count = paired_bootstrap(str(ours), str(theirs))
    assert count == 2 and diff == pytest.approx(-25.0)
    # a resample of d alone gives -1/3, of e alone 0: no resample can favour PocketSphinx
    assert -100 / 3 - 1e-9 <= low <= diff <= high <= 0.0
    assert paired_bootstrap(str(ours), str(ours))[:3] == (0.0, 0.0, 0.0)
    lines = comparisons(str(logs))
    assert len(lines) == 1 and lines[0].startswith("test-heldout: ctc_beam_search minus pocketsphinx WER -25.0 points")
