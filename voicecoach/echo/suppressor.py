"""Residual echo suppression: what the echo canceller's linear filter leaves, turned down per band.

Through a real loop the filter removes 15-25 dB of the coach's voice, not all of it, and less for
a moment whenever the path moves; Whisper hears words in what is left: a cue's "And up...
halfway... and down" came out as "End workout", a stop phrase. Energy cannot tell a badly
cancelled echo from the user's voice, but coherence can: in a band where what the filter left
still follows what was played (high coherence with the reference), it is echo and is turned
down; the user's voice does not follow the reference and passes. This is the non-linear stage of
telephone echo cancellers (WebRTC's legacy AEC weighs coherence too, of the microphone rather
than of the filter's output: measured here, that cut the user's word over the coach by 9 dB).
Done per band, not per block, so the "s" of "stop" (high, where the coach's voiced echo is
weak) survives while the cue's vowels under it are suppressed.

Short-time spectra of 20 ms Hann-square-root frames, hop 10 ms: the output is 20 ms late (a hop
of window, and a hop of buffering so blocks of any length can be answered at once).
"""

from __future__ import annotations

import numpy as np

HOP = 160
"""Frame hop (10 ms at 16 kHz); frames are twice as long (50 Hz bands)."""

LATENCY_SAMPLES = 2 * HOP - 1
"""How late the output is: half a frame of overlap, and up to a hop waiting for a frame to fill."""

SMOOTHING = 0.85
"""Per-frame weight of the past in the spectral averages (~70 ms): fewer frames make every
coherence look high (the coherence of one frame is always 1), more lag behind the words."""

FLOOR = 0.03
"""Least gain (-30 dB)."""

SHARPNESS = 2.0
"""The gain is (1 - coherence) to this power: residual echo keeps some coherence even where it
dominates (the path moves, the filter is late), so a straight 1 - coherence lets too much by."""


class ResidualEchoSuppressor:
    """Streams samples through: `process` returns as many samples as it is given, LATENCY_SAMPLES late."""

    def __init__(self) -> None:
        self._window = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(2 * HOP) / (2 * HOP)))
        self._frames = np.zeros((2, 2 * HOP))  # output, reference: the newest frame
        self._filled = HOP  # the first frame starts half a frame before the stream
        bins = HOP + 1
        self._reference_power = np.zeros(bins)
        self._output_power = np.zeros(bins)
        self._cross = np.zeros(bins, dtype=np.complex128)
        self._tail = np.zeros(HOP)  # second half of the last synthesized frame
        self._ready = np.zeros(LATENCY_SAMPLES - HOP)  # finished, not yet returned (starts as the delay)

    def process(self, output: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """The linear filter's `output` with residual echo turned down; `reference` is what was
        played, aligned with its echo in the microphone (zeros where nothing was played)."""
        finished = [self._ready]
        streams = np.stack([output, reference])
        at = 0
        while at < len(output):
            take = min(len(output) - at, 2 * HOP - self._filled)
            self._frames[:, self._filled : self._filled + take] = streams[:, at : at + take]
            self._filled += take
            at += take
            if self._filled == 2 * HOP:
                finished.append(self._frame())
                self._frames[:, :HOP] = self._frames[:, HOP:]
                self._filled = HOP
        ready = np.concatenate(finished)
        self._ready = ready[len(output) :]
        return ready[: len(output)]

    def _frame(self) -> np.ndarray:
        """Suppress one frame; returns its first HOP finished samples (overlap-added)."""
        output, reference = np.fft.rfft(self._frames * self._window, axis=1)
        keep = SMOOTHING
        self._reference_power = keep * self._reference_power + (1 - keep) * np.abs(reference) ** 2
        self._output_power = keep * self._output_power + (1 - keep) * np.abs(output) ** 2
        self._cross = keep * self._cross + (1 - keep) * np.conj(reference) * output
        coherence = np.abs(self._cross) ** 2 / (self._reference_power * self._output_power + 1e-20)
        gain = np.clip((1.0 - np.minimum(coherence, 1.0)) ** SHARPNESS, FLOOR, 1.0)
        frame = np.fft.irfft(output * gain) * self._window
        done = self._tail + frame[:HOP]
        self._tail = frame[HOP:]
        return done
