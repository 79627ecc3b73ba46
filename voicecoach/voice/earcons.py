"""Short tones that answer without words, generated with numpy (no sound files to ship or lose)."""

from __future__ import annotations

import numpy as np

from voicecoach.events import Earcon

NOTE_S = 0.09
GAP_S = 0.03
FADE_S = 0.008
"""Raised-cosine edges: a tone that starts or stops abruptly clicks."""
LEVEL = 0.5

_MELODIES: dict[Earcon, tuple[float, ...]] = {
    Earcon.UNDERSTOOD: (660.0, 880.0),  # rising: yes
    Earcon.NOT_UNDERSTOOD: (440.0, 330.0),  # falling: no
    Earcon.SET_DONE: (523.25, 659.25, 783.99),  # C-E-G: done
    Earcon.VOLUME: (587.33,),  # one plain note: "this loud"
    Earcon.VOLUME_LIMIT: (392.0, 392.0),  # the same low note twice: "no further"
}


def _note(freq_hz: float, rate_hz: int) -> np.ndarray:
    t = np.arange(int(NOTE_S * rate_hz)) / rate_hz
    tone = np.sin(2 * np.pi * freq_hz * t)
    fade = int(FADE_S * rate_hz)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
    tone[:fade] *= ramp
    tone[-fade:] *= ramp[::-1]
    return tone


def earcon_samples(earcon: Earcon, rate_hz: int) -> np.ndarray:
    """The earcon as float32 samples at `rate_hz`: a few short notes with gaps."""
    gap = np.zeros(int(GAP_S * rate_hz))
    parts: list[np.ndarray] = []
    for freq in _MELODIES[earcon]:
        parts += [_note(freq, rate_hz), gap]
    return (LEVEL * np.concatenate(parts[:-1])).astype(np.float32)


def earcon_duration_s(earcon: Earcon) -> float:
    """How long the earcon sounds (the player queues speech behind it)."""
    notes = len(_MELODIES[earcon])
    return notes * NOTE_S + (notes - 1) * GAP_S
