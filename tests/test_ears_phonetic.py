"""Matching transcripts to command phrases by sound (CMU dictionary from the pocketsphinx wheel)."""

from __future__ import annotations

import pytest

from voicecoach.ears.phonetic import PhraseMatcher, phone_distance, phones_of

PHRASES = ["pause", "easier", "make it easier", "stop", "that hurts", "how many left"]


def test_words_become_their_dictionary_phones() -> None:
    assert phones_of("pause") == ("P", "AO", "Z")
    assert phones_of("how many left") == ("HH", "AW", "M", "EH", "N", "IY", "L", "EH", "F", "T")
    assert phones_of("zzyzzq blorft") is None


@pytest.mark.parametrize(("heard", "phrase", "distance"), [
    ("Paws.", "pause", 0.0),            # a homophone is the phrase itself
    ("Easy.", "easier", 0.25),          # one phone of four missing
    ("How many lift?", "how many left", 0.1),
])
def test_near_sounding_words_match_their_phrase(heard: str, phrase: str, distance: float) -> None:
    match = PhraseMatcher(PHRASES).nearest(heard)
    assert match is not None
    assert match.phrase == phrase
    assert match.distance == pytest.approx(distance)


def test_unrelated_words_are_far_from_every_phrase() -> None:
    match = PhraseMatcher(PHRASES).nearest("the weather is nice today")
    assert match is not None and match.distance > 0.6


def test_only_the_given_phrases_are_candidates() -> None:
    match = PhraseMatcher(PHRASES).nearest("Paws.", among=["stop", "easier"])
    assert match is not None and match.phrase != "pause"


def test_words_in_no_dictionary_are_matched_by_spelling_more_strictly() -> None:
    matcher = PhraseMatcher([*PHRASES, "resume"])
    near = matcher.nearest("Refume.")  # one letter off (a British "resume", measured)
    assert near is not None and near.phrase == "resume" and near.distance == pytest.approx(0.25)
    far = matcher.nearest("Redium.")  # three letters off: beyond any sound-alike
    assert far is not None and far.distance == pytest.approx(0.75)
    assert matcher.nearest("") is None


@pytest.mark.parametrize(("heard", "expected", "distance"), [
    ("S T AA R T", "S T AA R T", 0),
    ("S T AA P", "S T AA R T", 2),
    ("", "P AO Z", 3),
    ("P AO Z IH Z", "P AO Z", 2),
    ("G OW", "N OW", 1),
])
def test_phone_distance_is_levenshtein(heard: str, expected: str, distance: int) -> None:
    assert phone_distance(heard.split(), expected.split()) == distance
