"""Delay tracking: where the echo sits in the microphone (GCC-PHAT), followed as a drifting line."""

from __future__ import annotations

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ

DRIFT_SPAN_S = 12.0
"""Delay estimates older than this are dropped from the drift fit (the drift itself may change)."""

MIN_DRIFT_SPAN_S = 1.5
"""Estimates must span this long before a drift is fitted; until then the delay is held still."""

INTERPOLATION_TAPS = 16
"""Windowed-sinc taps for reading the reference between samples (flat to ~7 kHz)."""


def estimate_delay(mic: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Lag k (to a fraction of a sample) where mic[j] best matches reference[j + k], and the
    normalized correlation there.

    `reference` is longer than `mic` by the lags to search. Phase-transform weighting (GCC-PHAT)
    gives one sharp peak at the direct path where plain correlation of voiced speech has many.
    """
    lags = len(reference) - len(mic) + 1
    size = 1 << (len(reference) - 1).bit_length()
    cross = np.conj(np.fft.rfft(mic, size)) * np.fft.rfft(reference, size)
    weighted = np.fft.irfft(cross / (np.abs(cross) + 1e-12), size)[:lags]
    lag = int(np.argmax(weighted))
    aligned = reference[lag : lag + len(mic)]
    fraction = 0.0
    if 0 < lag < lags - 1:  # the peak's top between samples, from a parabola through three
        left, top, right = weighted[lag - 1 : lag + 2]
        curvature = left - 2 * top + right
        fraction = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
    # Sums of products, not np.dot: OpenBLAS threads a long dot product, and on a busy
    # two-core machine that took ~20 ms instead of ~0.05.
    norm = float(np.sqrt(np.sum(mic * mic) * np.sum(aligned * aligned)))
    return lag + fraction, float(np.sum(mic * aligned)) / norm if norm > 0 else 0.0


class DelayTrack:
    """The bulk delay as a line over the microphone's sample clock, fitted to recent estimates.

    Theil-Sen (the median of pairwise slopes) so an estimate spoiled by the user's voice does
    not tilt the line.
    """

    def __init__(self) -> None:
        self._points: list[tuple[float, float]] = []  # (microphone sample index, delay)
        self._slope = 0.0
        self._intercept = 0.0  # delay at index 0 (relative to the first point, for precision)
        self._origin = 0.0

    @property
    def is_known(self) -> bool:
        """Whether any estimate has been taken."""
        return bool(self._points)

    @property
    def drift_ppm(self) -> float:
        """How fast the delay grows, in samples per million (clock drift)."""
        return self._slope * 1e6

    def at(self, index: float | np.ndarray) -> float | np.ndarray:
        """The delay (samples, fractional) at microphone sample `index`."""
        return self._intercept + self._slope * (index - self._origin)

    def restart(self, index: float, delay: float) -> None:
        """The delay jumped (a stream restarted): forget the old line."""
        self._points = []
        self.add(index, delay)

    def add(self, index: float, delay: float) -> None:
        """One more estimate; the line is fitted again."""
        if not self._points:
            self._origin = index
        self._points = [p for p in self._points if index - p[0] <= DRIFT_SPAN_S * SAMPLE_RATE_HZ]
        self._points.append((index, delay))
        at = np.array([i - self._origin for i, _ in self._points])
        delays = np.array([d for _, d in self._points])
        if at[-1] - at[0] >= MIN_DRIFT_SPAN_S * SAMPLE_RATE_HZ:
            i, j = np.triu_indices(len(at), k=1)
            apart = at[j] - at[i]
            far = apart >= 0.25 * SAMPLE_RATE_HZ  # close pairs' slopes are mostly estimation noise
            self._slope = float(np.median((delays[j] - delays[i])[far] / apart[far]))
        self._intercept = float(np.median(delays - self._slope * at))


def _interpolation_table(steps: int = 256) -> np.ndarray:
    """Windowed-sinc weights for `steps` + 1 fractions of a sample (1/512 sample at worst:
    -46 dB of error at 7 kHz)."""
    half = INTERPOLATION_TAPS // 2
    distance = np.arange(-half + 1, half + 1)[None, :] - np.linspace(0.0, 1.0, steps + 1)[:, None]
    return np.sinc(distance) * (0.5 + 0.5 * np.cos(np.pi * distance / (half + 1)))


_INTERPOLATION = _interpolation_table()


def read_between(samples: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """`samples` read at fractional `positions`; positions must lie INTERPOLATION_TAPS // 2
    samples inside either end."""
    half = INTERPOLATION_TAPS // 2
    whole = np.floor(positions).astype(np.int64)
    steps = len(_INTERPOLATION) - 1
    weights = _INTERPOLATION[np.round((positions - whole) * steps).astype(np.int64)]
    return np.sum(samples[whole[:, None] + np.arange(-half + 1, half + 1)[None, :]] * weights, axis=1)
