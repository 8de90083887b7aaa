"""Error rates on hand-counted cases (the edits are listed in the comments)."""
import pytest

from utils.error_rate import cer, char_errors, wer, word_errors


def test_word_errors_hand_counted():
    # ref: the cat sat on the mat   (6 words)
    # hyp: the cat sit on mat
    # edits: sat->sit (substitution), delete "the" before mat  => 2
    assert word_errors("the cat sat on the mat", "the cat sit on mat") == (2.0, 6)
    assert wer("the cat sat on the mat", "the cat sit on mat") == pytest.approx(2 / 6)
    # hyp inserts two words at the ends: 2 insertions over 2 reference words => 1.0
    assert wer("hello world", "oh hello world again") == pytest.approx(1.0)
    # completely different, same length: 3 substitutions
    assert word_errors("a b c", "x y z") == (3.0, 3)


def test_word_errors_drop_empty_words_case_and_delimiter():
    # repeated spaces make no empty words: identical word lists => 0 edits
    assert word_errors("  the  cat ", "the cat") == (0.0, 2)
    # "The" vs "the": 1 substitution unless ignore_case
    assert word_errors("The Cat", "the cat") == (2.0, 2)
    assert word_errors("The Cat", "the cat", ignore_case=True) == (0.0, 2)
    # comma delimiter: ref [a, bb, c], hyp [a, c] => 1 deletion
    assert word_errors("a,bb,,c", "a,c", delimiter=",") == (1.0, 3)
    # empty hypothesis: every reference word deleted
    assert wer("one two", "") == 1.0


def test_char_errors_hand_counted():
    # kitten -> sitting: k->s, e->i, insert g => 3 edits over 6 characters
    assert char_errors("kitten", "sitting") == (3.0, 6)
    assert cer("kitten", "sitting") == pytest.approx(0.5)
    # spaces collapsed: "a  b " becomes "a b" (3 chars); hyp "ab" misses the space => 1 deletion
    assert char_errors("a  b ", "ab") == (1.0, 3)
    # remove_space: both become "ab" => 0 edits over 2 characters
    assert char_errors("a  b ", "ab", remove_space=True) == (0.0, 2)
    # case: "AbC" vs "abc" => A->a, C->c = 2 edits; none with ignore_case
    assert char_errors("AbC", "abc") == (2.0, 3)
    assert cer("AbC", "abc", ignore_case=True) == 0.0
    # unicode characters count one each: 你好 vs 你们好 => one insertion over 2
    assert cer("你好", "你们好") == pytest.approx(0.5)


def test_empty_reference_is_a_value_error():
    with pytest.raises(ValueError):
        wer("", "something")
    with pytest.raises(ValueError):
        wer("   ", "something")
    with pytest.raises(ValueError):
        cer("", "x")
    with pytest.raises(ValueError):
        cer("  ", "x", remove_space=True)
    assert word_errors("", "a b") == (2.0, 0)  # the counts themselves are still defined
