"""Matching what a free recognizer wrote to the nearest command phrase by sound, not spelling.

Whisper writes out what it heard as ordinary English words, and a short command by an unusual
voice often comes out as a word that *sounds* like it: "Paws." for "pause", "Easy." for "easier",
"Resumé" for "resume". Comparing the phones of the transcript with the phones of each allowed
phrase (CMU pronouncing dictionary, which ships inside the pocketsphinx wheel) recovers those
without accepting words that merely share letters.

Unsure, Whisper also writes words that are in no dictionary ("Refume." for a British "resume");
those are compared by spelling instead, counted stricter (SPELLING_WEIGHT).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from voicecoach.commands import normalize

SPELLING_WEIGHT = 1.5
"""A letter edit counts this much more than a phone edit: spelling is a poorer guide to sound
("refume", one letter from "resume", passes at 0.25; "redium", three, does not)."""


def phone_distance(heard: Sequence[str], expected: Sequence[str]) -> int:
    """Levenshtein distance between two phone sequences (or two strings, letter by letter)."""
    return Levenshtein.distance(heard, expected)


@functools.cache
def pronunciations() -> dict[str, tuple[str, ...]]:
    """Word -> its first pronunciation (~135k words, ~0.3 s to read once per process)."""
    import pocketsphinx

    path = os.path.join(pocketsphinx.get_model_path(), "en-us", "cmudict-en-us.dict")
    words: dict[str, tuple[str, ...]] = {}
    with open(path, encoding="utf-8") as dictionary:
        for line in dictionary:
            word, _, phones = line.partition(" ")
            if "(" not in word:  # "that(2)": alternate pronunciations are not needed here
                words[word] = tuple(phones.split())
    return words


def phones_of(text: str) -> tuple[str, ...] | None:
    """The phones of normalized `text`, or None if a word is not in the dictionary."""
    dictionary = pronunciations()
    phones: list[str] = []
    for word in text.split():
        known = dictionary.get(word)
        if known is None:
            return None
        phones.extend(known)
    return tuple(phones)


@dataclass(frozen=True)
class Match:
    """The phrase nearest to a transcript and how far apart they sound."""

    phrase: str
    distance: float
    """Phone edits / phones in the phrase: 0 sounds the same, 1 shares nothing."""


class PhraseMatcher:
    """Finds the allowed phrase that sounds most like a transcript."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._phones = {p: ph for p in {normalize(p) for p in phrases}
                        if (ph := phones_of(p)) is not None and ph}

    def nearest(self, text: str, among: Iterable[str] | None = None) -> Match | None:
        """The closest phrase (of `among`, default all) to normalized `text`: by phones, or by
        spelling when a word of it is in no dictionary."""
        key = normalize(text)
        if not key:
            return None
        heard = phones_of(key)
        candidates = self._phones if among is None else {
            p: self._phones[p] for p in among if p in self._phones}
        best: Match | None = None
        for phrase, expected in candidates.items():
            if heard is not None:
                match = Match(phrase, phone_distance(heard, expected) / len(expected))
            else:
                match = Match(phrase, SPELLING_WEIGHT * phone_distance(key, phrase) / len(phrase))
            if best is None or match.distance < best.distance:
                best = match
        return best
