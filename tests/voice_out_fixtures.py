"""Shared helpers for the voice-out tests: tone cues whose pitch says which cue is sounding."""

from __future__ import annotations

import numpy as np

RATE_HZ = 22_050


class ToneCues:
    """CueAudio where the text "440 1.5" is a 440 Hz tone lasting 1.5 s (easy to find in a recording)."""

    rate_hz = RATE_HZ

    def audio(self, text: str) -> np.ndarray:
        """A sine at the text's frequency for the text's duration."""
        freq_hz, length_s = (float(part) for part in text.split()[:2])
        t = np.arange(int(length_s * RATE_HZ)) / RATE_HZ
        return (0.5 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def dominant_hz(samples: np.ndarray, rate_hz: int = RATE_HZ) -> float:
    """The strongest frequency in a short window (0 unless sound fills the whole window).

    A window that only catches the first few cycles of a tone has a smeared spectrum whose peak
    can land anywhere, so partly silent windows do not count.
    """
    quarter = samples.size // 4
    if quarter == 0 or min(np.abs(samples[:quarter]).max(), np.abs(samples[-quarter:]).max()) < 0.02:
        return 0.0
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate_hz)[int(np.argmax(spectrum))])


def first_frame_with(samples: np.ndarray, freq_hz: float, start: int = 0,
                     window: int = 441, tolerance_hz: float = 60.0) -> int | None:
    """First frame (to 1/4 window) from `start` where `freq_hz` dominates a `window`-frame slice."""
    step = window // 4
    for frame in range(start, samples.size - window, step):
        if abs(dominant_hz(samples[frame : frame + window]) - freq_hz) < tolerance_hz:
            return frame
    return None
