"""How much of the microphone's sound the echo canceller let through, over any recent stretch.

The number that tells the user's voice from the coach's leftover echo: Whisper writes words for
both (the leftover is faint but clean, and the prompt lists the commands), yet the canceller took
20-35 dB away from the echo and nothing from a voice it has never played. Measured on recorded
PulseAudio loops: "stop" said over the coach kept -0.5 to -7.4 dB of the microphone's energy
(12 of 12 utterances); the echo decoded as words kept -13 to -35 dB, except a few during the
canceller's first seconds or a jump of the echo path.
"""

from __future__ import annotations

import math

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ


class KeptEnergy:
    """Samples into the canceller and squared samples out, the last `keep_s` seconds of each.

    Output sample i (the recognizer's audio time i / SAMPLE_RATE_HZ) answers microphone sample
    i - `latency_samples`: the canceller's output runs that late.
    """

    def __init__(self, keep_s: float, latency_samples: int) -> None:
        self._size = round(keep_s * SAMPLE_RATE_HZ)
        self._heard = np.zeros(self._size)
        self._cleaned = np.zeros(self._size)
        self._heard_at = np.zeros(self._size, dtype=np.int64)  # each heard sample's clock index
        self._found_from: int | None = None  # the first sample cleaned with the echo found
        self._latency = latency_samples
        self._n = 0  # samples recorded so far (input and output alike)

    def add(self, heard: np.ndarray, cleaned: np.ndarray, is_echo_found: bool, heard_at: int) -> None:
        """One block: the microphone's samples, as many output samples, whether the canceller
        knew where the echo was while it cleaned them, and the clock index (monotonic time at
        16 kHz) of the first microphone sample."""
        at = np.arange(self._n, self._n + len(heard)) % self._size
        self._heard[at] = heard
        self._cleaned[at] = cleaned**2
        self._heard_at[at] = heard_at + np.arange(len(heard))
        if is_echo_found and self._found_from is None:
            self._found_from = self._n
        self._n += len(heard)

    def was_echo_found(self, start_s: float) -> bool:
        """Whether the canceller knew the echo's delay (once found, it stays known) from
        `start_s` of the output on: an utterance that began before holds uncancelled echo,
        however much kept_db says was taken from the rest (CI: "pain" in the first cue, -7.7 dB)."""
        return self._found_from is not None and round(start_s * SAMPLE_RATE_HZ) >= self._found_from

    def kept_db(self, start_s: float, end_s: float) -> float | None:
        """Output energy over the recognizer's [start_s, end_s] against the microphone's energy
        over the same sound (0 dB: nothing was taken away); None when that is no longer kept."""
        span = self._heard_span(start_s, end_s)
        if span is None:
            return None
        first, last = span
        out = float(self._cleaned[np.arange(first, last) % self._size].sum())
        samples = self._heard[self._heard_indices(first, last)]
        heard = float(np.sum(samples * samples))
        if heard <= 0.0:
            return 0.0
        return 10.0 * math.log10(max(out, 1e-12 * heard) / heard)

    def heard(self, start_s: float, end_s: float) -> tuple[np.ndarray, int] | None:
        """The microphone's samples behind the recognizer's [start_s, end_s] and the clock index
        of the first one; None when that is no longer kept."""
        span = self._heard_span(start_s, end_s)
        if span is None:
            return None
        at = self._heard_indices(*span)
        return self._heard[at].copy(), int(self._heard_at[at[0]])

    def _heard_indices(self, first: int, last: int) -> np.ndarray:
        """Ring positions of the microphone samples behind output samples [first, last)."""
        return np.arange(max(0, first - self._latency), last - self._latency) % self._size

    def _heard_span(self, start_s: float, end_s: float) -> tuple[int, int] | None:
        """Output sample indices of [start_s, end_s], if all of it is still kept."""
        first, last = round(start_s * SAMPLE_RATE_HZ), round(end_s * SAMPLE_RATE_HZ)
        if last <= first or max(0, first - self._latency) < self._n - self._size or last > self._n:
            return None
        return first, last
