"""Out-of-grammar rejection: how sure is a closed command grammar that it heard a command at all?

A grammar of command phrases maps any sound onto its nearest phrase. Two defences: the grammar
also holds common filler words, so some other speech lands on those instead (no command); and
what still lands on a command is decoded again by a free phone loop (anything pronounceable).
When the command path scores nearly as well as the best phone sequence and the phones the loop
heard resemble the phrase's, the words fit; otherwise the speech was something else. Those
comparisons, the length of the speech and how it matches the phrase's expected length go into a
small logistic model fitted on synthetic speakers held apart from the benchmark's
(`python benchmarks/voice_control.py --tune pocketsphinx`; the Whisper backend calibrates its
confidence with the same model on its own evidence). Its output is the result's confidence, which
`recognition.min_confidence` (0.6) thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass

import numpy as np

FRAMES_PER_S = 100
"""pocketsphinx's frame rate (10 ms frames)."""

FRAMES_PER_PHONE = 8.0
"""A typical phone lasts ~80 ms in conversational speech: the yardstick for expected length."""


class Features:
    """Base of a frozen dataclass of numbers that the logistic model scores, field by field."""

    def vector(self) -> np.ndarray:
        """The model's inputs, in field order."""
        return np.array(astuple(self), dtype=np.float64)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Evidence(Features):
    """Numbers describing one decoded utterance, the inputs of the rejection model.

    Log scores come from pocketsphinx (scaled down by its fixed-point shift), x1000 per frame.
    """

    score_ratio: float
    """(grammar path - phone loop) log score per frame, over the whole utterance."""
    speech_ratio: float
    """Same, over the command words' frames only (ignores the silence around them)."""
    speech_s: float
    """Duration of the command words as aligned by the grammar decode."""
    length_ratio: float
    """Aligned duration / the phrase's expected duration (phones x 80 ms)."""
    n_phones: int
    """Phones in the recognized phrase: one-syllable words are easier to hit by chance."""
    worst_word_ratio: float
    """The lowest per-word (grammar - phone loop) ratio: one word that fits badly is enough."""
    loop_score: float
    """The phone loop's own score per speech frame: how clear the audio is at all."""
    phone_distance: float
    """Edit distance between the phones the loop heard and the phrase's phones, per phone."""
    phone_count_ratio: float
    """Phones the loop heard / phones in the phrase."""
    speech_fraction: float
    """Share of the utterance the command words take (the rest is silence or fillers)."""



@dataclass(frozen=True)
class RejectionModel:
    """Logistic model: P(the utterance really is the recognized command | evidence)."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def confidence(self, evidence: Features) -> float:
        """Probability in 0..1 that the grammar's answer is right."""
        z = (evidence.vector() - np.array(self.mean)) / np.array(self.scale)
        logit = float(np.dot(z, np.array(self.weights)) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))


def fit(evidence: Sequence[Features], is_right: Sequence[bool], l2: float = 1e-2,
        steps: int = 3000, balanced: bool = True) -> RejectionModel:
    """Fit the logistic model by gradient descent (numpy only; a few thousand samples).

    `balanced` weighs right and wrong samples equally (a stricter model when most samples are
    right); without it the output is the plain probability of being right.
    """
    x = np.array([e.vector() for e in evidence])
    y = np.array(is_right, dtype=np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    scale = np.where(std > 1e-6, std, 1.0)  # a constant input carries no information
    z = (x - mean) / scale
    w, b = np.zeros(z.shape[1]), 0.0
    if balanced:  # most tuning clips are commands: weight both halves equally
        sample_w = np.where(y > 0, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    else:
        sample_w = np.full(len(y), 1.0 / max(len(y), 1))
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        grad = (p - y) * sample_w
        w -= 1.0 * (z.T @ grad + l2 * w)
        b -= 1.0 * grad.sum()
    return RejectionModel(_rounded(w), round(float(b), 4), _rounded(mean), _rounded(scale))


def _rounded(values: np.ndarray) -> tuple[float, ...]:
    """Plain floats, short enough to paste into DEFAULT_MODEL."""
    return tuple(round(float(v), 4) for v in values)


DEFAULT_MODEL = RejectionModel(
    weights=(0.5311, -0.0533, -1.7012, -0.9367, 0.0795, 0.0192, -0.1055, -0.3111, 0.0572, 1.8392),
    bias=-0.4381,
    mean=(-0.419, -3.4115, 0.6438, 1.3667, 6.0793, -4.3349, -0.4253, 0.851, 0.8572, 0.4795),
    scale=(0.723, 1.3536, 0.3375, 0.5621, 2.3191, 1.8424, 0.856, 0.2626, 0.3579, 0.1691),
)
"""Fitted by `python benchmarks/voice_control.py --tune pocketsphinx --quick` on the "tune" half of
the speakers, with utterances cut by Silero (2026-12-02)."""
