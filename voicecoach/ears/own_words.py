"""The user's own takes as the last opinion on words the recognizer doubted.

A recognizer trained on other people misses a voice or an accent it rarely heard, and in noise
it doubts words it would know in quiet. Calibration recorded how this user says each command;
when the recognizer heard the words of one of those takes but doubted them, the utterance is
aligned by dynamic time warping with the user's takes of every command allowed now, and taken
for that command when it is the nearest, near enough and clearly nearer than any other.

Text-dependent template matching, the oldest form of word recognition, needs no model beyond
the cepstra the voice lock already compares (speaker_check.py), and it only ever answers with a
command the user calibrated, in the user's voice: its distance threshold is no looser than the
voice lock's, so another person's "pause" is not rescued by it. The constants were chosen on
the benchmark's tune voices (benchmarks/own_words.py) and checked on the held-out ones.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from voicecoach.commands import Command, normalize
from voicecoach.ears import speaker_check
from voicecoach.ears.voice_profile import VoiceProfile

MAX_DISTANCE = 1.2
"""The nearest take must be at least this near (and within the command's own threshold)."""
MIN_RATIO = 1.25
"""...and every other allowed command's nearest take this many times further away: words that
sit between two commands are nobody's command."""
MAX_STRETCH = 1.8
"""Takes longer or shorter than the words by more than this factor are not compared: a sentence
is not a one-word command said slowly."""


@dataclass(frozen=True)
class OwnWordsMatch:
    """The allowed command whose takes lie nearest an utterance, and how clearly."""

    command: Command
    text: str
    """The words of the nearest take (what the user said when calibrating)."""
    distance: float
    threshold: float
    """The command's own threshold from calibration (the voice lock's)."""
    runner_up: float
    """Distance to the nearest take of any other allowed command (inf when there is none)."""
    is_same_words: bool
    """The recognizer's own words were those of one of the command's takes: it heard the
    command and only doubted it."""

    @property
    def is_clear(self) -> bool:
        """The recognizer heard these words, and the sound is near enough the user's takes of
        them and clearly nearer than any other command's (MAX_DISTANCE, MIN_RATIO)."""
        return (self.is_same_words and self.distance <= min(MAX_DISTANCE, self.threshold)
                and self.runner_up >= MIN_RATIO * self.distance)


def may_decide(profile: VoiceProfile, heard_text: str, allowed: Collection[Command]) -> bool:
    """Whether the recognizer's words are those of a take of an allowed command: only then can a
    match be clear, so the alignments (a Python loop, on the capture thread) are skipped."""
    words = normalize(heard_text)
    return any(normalize(take.text) == words for command in allowed
               if (voice := profile.commands.get(command)) is not None for take in voice.takes)


def nearest(profile: VoiceProfile, samples: np.ndarray, allowed: Collection[Command],
            heard_text: str) -> OwnWordsMatch | None:
    """The nearest allowed command by the user's takes, or None when nothing is comparable;
    `heard_text`: what the recognizer made of the words."""
    heard = speaker_check.features(samples)
    if len(heard) < speaker_check.MIN_FRAMES:
        return None
    scores: list[tuple[float, Command, str]] = []
    for command in allowed:
        voice = profile.commands.get(command)
        near = [(speaker_check.dtw_distance(heard, take.features), take.text)
                for take in (voice.takes if voice is not None else ())
                if _comparable(len(heard), len(take.features))]
        if near:
            distance, text = min(near)
            scores.append((distance, command, text))
    if not scores:
        return None
    scores.sort(key=lambda score: score[0])
    distance, command, text = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else float("inf")
    voice = profile.commands[command]
    is_same_words = normalize(heard_text) in {normalize(take.text) for take in voice.takes}
    return OwnWordsMatch(command, text, distance, voice.threshold, runner_up, is_same_words)


def _comparable(heard_frames: int, take_frames: int) -> bool:
    return take_frames > 0 and 1 / MAX_STRETCH <= heard_frames / take_frames <= MAX_STRETCH
