"""Text normalisation of the synthetic corpus: hand-checked spoken forms and transcripts."""
import pytest

from data.synth.normalize_text import normalize_transcript, number_to_words, spoken_form
from data.synth.text_sources import speakable_units, split_sentences


@pytest.mark.parametrize("number, words", [
    ("7", "seven"),
    ("42", "forty two"),
    ("101", "one hundred and one"),
    ("1,200", "one thousand two hundred"),
    ("3.5", "three point five"),
    ("1811", "eighteen eleven"),
    ("2024", "two thousand and twenty four"),
])
def test_number_to_words(number, words):
    assert number_to_words(number) == words


@pytest.mark.parametrize("raw, spoken", [
    ("Mr. Darcy paid £10,000 in 1811.", "Mister Darcy paid ten thousand pounds in eighteen eleven."),
    ("On the 21st of May, Mrs. Smith came.", "On the twenty first of May, Missus Smith came."),
    ("It was \u201cquite\u201d the thing\u2014wasn\u2019t it?", 'It was "quite" the thing - wasn\'t it?'),
    ("He will come to-morrow, &c.", "He will come to morrow, et cetera."),
    ("She was _very_ angry.", "She was very angry."),
    ("The ship cost $300.", "The ship cost three hundred dollars."),
    ('\u2014"but you must often wish it, I am sure', '"but you must often wish it, I am sure'),
])
def test_spoken_form(raw, spoken):
    assert spoken_form(raw) == spoken


@pytest.mark.parametrize("raw", ["CHAPTER IV", "Henry VIII was king.", "The rate was 5%.", "Caf\u00e9 au lait \u00e0 Paris.",
                                 "See page * for notes."])
def test_spoken_form_rejects_unreadable(raw):
    assert spoken_form(raw) is None


@pytest.mark.parametrize("text, transcript", [
    ("It was \u201cquite\u201d the thing - wasn't it?", "it was quite the thing wasn't it"),
    ("'Tis the sailors' ship, isn\u2019t it?", "tis the sailors ship isn't it"),
    ("Look!  He sees us;\n he kisses his hand.", "look he sees us he kisses his hand"),
    ("Good-humoured O'Brien -- again...", "good humoured o'brien again"),
    ("", ""),
])
def test_normalize_transcript(text, transcript):
    assert normalize_transcript(text) == transcript


def test_split_sentences_keeps_abbreviations_and_quotes():
    paragraph = 'Mr. Knightley came in. "Are you well?" said he. Emma smiled! then she left.'
    # "said he" and "then" start in lower case, so they stay with the sentence before them.
    assert split_sentences(paragraph) == ["Mister Knightley came in.", '"Are you well?" said he.',
                                          "Emma smiled! then she left."]


def test_long_sentences_split_at_clauses():
    short = "Look, he sees us; he kisses his hand."
    assert speakable_units(short, max_words=18) == [short]
    assert speakable_units(short, max_words=5) == ["Look, he sees us.", "he kisses his hand."]
    assert speakable_units('"Yes, sir; and say farther,: then she left it."', max_words=3) == [
        '"Yes, sir.', "and say farther.", 'then she left it."']
