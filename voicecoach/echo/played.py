"""The played reference: what the speaker played, resampled to 16 kHz and kept on the monotonic clock."""

from __future__ import annotations

import math
import threading

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ

JUMP_S = 0.25
"""A block timestamp this far from where the stream should be means a gap: re-anchor. Less
is not enough: through PulseAudio, capture callbacks came up to ~40 ms early or late, and
each re-anchoring on that jitter moved the echo by as much (measured with module-loopback)."""


class _Resampler:
    """Streaming polyphase windowed-sinc resampler from `rate_hz` to 16 kHz (state across blocks)."""

    def __init__(self, rate_hz: int) -> None:
        """Design the filter for this rate pair; the stream starts at input sample 0."""
        g = math.gcd(rate_hz, SAMPLE_RATE_HZ)
        self._up, self._down = SAMPLE_RATE_HZ // g, rate_hz // g
        # The filter's centre falls on an output sample, so the group delay is a whole number.
        self.delay = 8 * math.ceil(self._down / self._up) * self._up // self._down
        """Group delay in output samples: output k shows the input as it was `delay` samples earlier."""
        length = 2 * self.delay * self._down + 1
        self._taps = -(-length // self._up)
        cutoff = 0.45 / max(self._up, self._down)  # cycles per upsampled sample: ~7.2 kHz out
        n = np.arange(length) - (length - 1) / 2
        prototype = 2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(length, 8.0) * self._up
        padded = np.concatenate([prototype, np.zeros(self._taps * self._up - length)])
        self._table = padded.reshape(self._taps, self._up).T.astype(np.float32)
        self._history = np.zeros(self._taps - 1, dtype=np.float32)
        self._n_in = 0
        self._n_out = 0

    def push(self, samples: np.ndarray) -> tuple[int, np.ndarray]:
        """Feed input; returns (index of the first output sample, the new output samples)."""
        n_old = self._n_in
        joined = np.concatenate([self._history, samples.astype(np.float32)])
        self._n_in += len(samples)
        first = self._n_out
        self._n_out = (self._n_in * self._up + self._down - 1) // self._down
        k = np.arange(first, self._n_out, dtype=np.int64)
        position = k * self._down
        newest = position // self._up - n_old + self._taps - 1
        rows = joined[newest[:, None] - np.arange(self._taps)[None, :]]
        out = np.einsum("kt,kt->k", rows, self._table[position % self._up])
        self._history = joined[len(joined) - (self._taps - 1):]
        return first, out


class PlayedAudio:
    """Thread-safe ring buffer of what the speaker played, as 16 kHz float32 mono on the monotonic clock."""

    def __init__(self, keep_s: float = 8.0) -> None:
        """Remember the last `keep_s` seconds of played sound."""
        self._ring = np.zeros(round(keep_s * SAMPLE_RATE_HZ), dtype=np.float32)
        self._end: int | None = None  # sample index (monotonic time * 16 kHz) after the newest
        self._lock = threading.Lock()
        self._resampler: _Resampler | None = None
        self._rate_hz = 0
        self._origin = 0  # sample index of the resampler's output 0
        self._next_in_s = 0.0  # when the next input block should start, if the stream goes on

    def add(self, samples: np.ndarray, first_sample_at_s: float, rate_hz: int,
            after_gap: bool = False) -> None:
        """Record one played block (float32 at the device's `rate_hz`) and when it reached the speaker.

        Blocks that follow on within JUMP_S are joined sample-exactly (callback timestamps jitter
        by up to tens of ms, which would move the echo); a later start begins a new stream.
        `after_gap`: the device ran dry before this block (an underrun: a loaded machine missed
        the callback's deadline) and played silence meanwhile, as long as the timestamp says.
        Joined without that silence, the reference ran early by the gap from then on: measured
        under load, 68 underruns a minute moved the echo 20-130 ms each time, and the canceller
        spent most of the workout looking for it again (1-5 dB taken away instead of 25-35).
        Pass every block the stream plays, silence included, so the stream stays one piece.
        """
        with self._lock:
            is_new = (self._resampler is None or rate_hz != self._rate_hz
                      or abs(first_sample_at_s - self._next_in_s) > JUMP_S)
            if is_new:
                self._resampler, self._rate_hz = _Resampler(rate_hz), rate_hz
                self._origin = round(first_sample_at_s * SAMPLE_RATE_HZ) - self._resampler.delay
                self._next_in_s = first_sample_at_s
            elif after_gap and first_sample_at_s > self._next_in_s:
                self._push(np.zeros(round((first_sample_at_s - self._next_in_s) * rate_hz),
                                    dtype=np.float32))
            self._push(np.asarray(samples, dtype=np.float32).ravel())

    def _push(self, samples: np.ndarray) -> None:
        """Append played samples at the device's rate right after the previous ones."""
        assert self._resampler is not None
        first, out = self._resampler.push(samples)
        self._next_in_s += len(samples) / self._rate_hz
        self._write(self._origin + first, out)

    def window(self, start_s: float, n: int) -> np.ndarray:
        """n samples at 16 kHz starting at monotonic time start_s; zeros where nothing was played."""
        return self.samples(round(start_s * SAMPLE_RATE_HZ), n)

    def samples(self, start: int, n: int) -> np.ndarray:
        """n samples from sample index `start` (monotonic time * 16 kHz); zeros where unknown."""
        out = np.zeros(n, dtype=np.float32)
        with self._lock:
            if self._end is None:
                return out
            lo, hi = max(start, self._end - len(self._ring)), min(start + n, self._end)
            if lo < hi:
                out[lo - start : hi - start] = self._ring[np.arange(lo, hi) % len(self._ring)]
        return out

    def _write(self, start: int, data: np.ndarray) -> None:
        """Store samples from index `start`, zeroing any gap since the newest sample."""
        size = len(self._ring)
        if self._end is not None and start > self._end:
            gap = np.arange(max(self._end, start - size), start)
            self._ring[gap % size] = 0.0
        if len(data) > size:
            start, data = start + len(data) - size, data[-size:]
        self._ring[np.arange(start, start + len(data)) % size] = data
        self._end = start + len(data) if self._end is None else max(self._end, start + len(data))
