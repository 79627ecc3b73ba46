"""Acoustic echo cancellation: subtract what the coach played from what the microphone heard.

The recognizer hears the coach's own voice; "stop" said over a cue arrives mixed with a louder
cue. We know what was played and (roughly) when, so an adaptive linear filter predicts the echo
and removes it, in pure numpy:

1. `PlayedAudio` (played.py) keeps the played sound as 16 kHz samples on the monotonic clock.
2. A bulk delay (output latency + room/loopback + input latency) is found by cross-correlating
   the microphone with the reference (delay.py), and re-checked every 0.3-0.5 s. It is not steady: the
   sound card's clock and the monotonic clock drift apart (measured ~80 ppm, 1.3 samples a
   second, through PulseAudio's loopback), and an adaptive filter chasing that drift cancelled
   only 5-15 dB. So the estimates are fitted with a line and the reference is resampled along
   it, fractional delay and all; the filter then sees a still echo.
3. A partitioned-block frequency-domain NLMS filter (overlap-save, constrained gradient) models
   the rest: fractional delay, gain, the room's first ~110 ms.
4. Double talk (the user speaking over the echo) must not teach the filter the user's voice:
   adaptation stops while far more is left after the filter than usual, and the output comes
   from a foreground copy that takes the adapting background's coefficients only when they
   have cancelled better for a while.

5. What the filter leaves is turned down where it is still echo (suppressor.py).

Nothing played within the filter's reach: the microphone passes unchanged, only 20 ms late.
"""

from __future__ import annotations

import math

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.echo.delay import INTERPOLATION_TAPS, DelayTrack, estimate_delay, read_between
from voicecoach.echo.fit import unexplained_db, without_played
from voicecoach.echo.kept_energy import KeptEnergy
from voicecoach.echo.played import JUMP_S, PlayedAudio
from voicecoach.echo.suppressor import LATENCY_SAMPLES, ResidualEchoSuppressor

BLOCK = 320
"""Filter block (20 ms): overlap-save FFTs are 2 * BLOCK long."""

PARTITIONS = 6
"""Filter length in blocks: 120 ms covers the delay estimate's error and early room echoes."""

PRE_DELAY = 160
"""Samples of filter before the estimated direct path (10 ms), for estimation error."""

MAX_DELAY_S = 1.0
"""The longest speaker-to-microphone delay looked for, timestamps included. Measured 0.39-0.42 s
through PulseAudio with a 200 ms loop, and it moved 20 ms at once under load; Bluetooth speakers
add 0.1-0.3 s. At 0.4 s a run whose delay grew past it never found the echo again."""

KEEP_ENERGY_S = 12.0
"""Energies in and out are kept this long: the longest utterance transcribed (8 s) and a wait."""

MIN_DELAY_S = -0.1
"""Echo may seem to come before the sound was played: both timestamps are estimates."""

ESTIMATE_S = 1.0
"""Microphone history cross-correlated with the reference to find the bulk delay."""

FIRST_ESTIMATE_S = 0.6
"""The first delay estimate needs only this much history: until then the echo goes through."""

ESTIMATE_EVERY = 5
"""Re-estimate the bulk delay every this many microphone blocks (~0.5 s) while sound is played:
clocks drift (measured ~0.5 samples/s through PulseAudio's loopback), streams restart."""

ESTIMATE_EVERY_LOST = 3
"""Re-estimate this often (~0.3 s) while the filter cancels little: the delay may have jumped."""

DELAY_TOLERANCE = 8
"""A new delay estimate within this many samples of the current one is the same delay."""


MIN_CORRELATION = 0.3
"""Normalized correlation at the found delay below which the estimate is not trusted."""

STEP = 0.8
"""NLMS step size of the background filter (normalized by the reference power per bin)."""

DOUBLE_TALK_RATIO = 4.0
"""Double talk: the filter leaves this many times more of the microphone's energy than usual."""

MAX_DOUBLE_TALK_STEPS = 75
"""After this many 20 ms steps (1.5 s) of apparent double talk, the echo path must have changed."""

HARM_RATIO = 2.0
"""Removing the echo may add energy (the user's voice and the echo partly cancel in the air),
but never doubles it unless the filter is wrong."""

SILENT_POWER = 1e-7
"""Mean square of a reference block below which it is silence (-70 dBFS): no adaptation."""


class EchoCanceller:
    """Removes the speaker's echo from microphone blocks."""

    def __init__(self, played: PlayedAudio, max_delay_s: float = MAX_DELAY_S) -> None:
        """`max_delay_s`: the longest speaker-to-microphone delay to look for (timestamps included)."""
        self._played = played
        self._max_delay = round(max_delay_s * SAMPLE_RATE_HZ)
        self._min_delay = round(MIN_DELAY_S * SAMPLE_RATE_HZ)
        self._history = np.zeros(round(ESTIMATE_S * SAMPLE_RATE_HZ), dtype=np.float32)
        self._n_heard = 0  # microphone samples since the stream (re)started
        self._end: int | None = None  # sample index after the newest microphone sample
        self._blocks_to_estimate = 0
        self._track = DelayTrack()
        self._candidate: float | None = None
        bins = BLOCK + 1
        self._background = np.zeros((PARTITIONS, bins), dtype=np.complex128)
        self._foreground = np.zeros((PARTITIONS, bins), dtype=np.complex128)
        self._power = np.zeros(bins)
        self._lead_fast = 0.0  # smoothed by how much the background filter cancels better
        self._lead_slow = 0.0
        self._quiet_steps = 0  # consecutive filter steps judged double talk
        self._residual_fraction = 1.0  # smoothed share of the microphone's energy the filter leaves
        self._heard_power = 0.0  # smoothed energies per block: microphone, foreground error
        self._residual_power = 0.0
        self._suppressor = ResidualEchoSuppressor()
        self._kept = KeptEnergy(KEEP_ENERGY_S, LATENCY_SAMPLES)

    @property
    def delay(self) -> int | None:
        """Bulk delay in samples between played and heard now (None until found)."""
        if not self._track.is_known or self._end is None:
            return None
        return round(float(self._track.at(self._end)))

    @property
    def delay_s(self) -> float:
        """The same in seconds, 0.0 until found: how long after a sound is played its echo
        arrives (on the timestamps' clocks)."""
        delay = self.delay
        return 0.0 if delay is None else max(0.0, delay / SAMPLE_RATE_HZ)

    @property
    def latency_s(self) -> float:
        """How late the cleaned microphone comes out (the residual echo suppressor's frames)."""
        return LATENCY_SAMPLES / SAMPLE_RATE_HZ

    def kept_db(self, start_s: float, end_s: float) -> float | None:
        """How much of the microphone's energy is left in the output between two instants of
        the output stream (seconds of it; 0 dB: nothing taken away), None if too long ago."""
        return self._kept.kept_db(start_s, end_s)

    def fitted_kept_db(self, start_s: float, end_s: float) -> float | None:
        """The same, had a filter fitted to that stretch alone taken the played sound away
        (fit.py): a second opinion that holds when the canceller, lost after an underrun, took
        little away. ~12 ms, so asked only for would-be commands."""
        heard = self._kept.heard(start_s, end_s)
        if heard is None:
            return None
        samples, first = heard
        return unexplained_db(samples, self._reference_for(samples, first))

    def fitted_without_echo(self, start_s: float, end_s: float) -> np.ndarray | None:
        """The microphone over that stretch of the output with the played sound taken away by a
        filter fitted to it alone (fit.py), nothing turned down after: the second listen's audio
        (ears/listener.py). None when that is no longer kept or nothing was played then."""
        heard = self._kept.heard(start_s, end_s)
        if heard is None:
            return None
        samples, first = heard
        reference = self._reference_for(samples, first)
        return without_played(samples, reference) if reference.any() else None

    def _reference_for(self, samples: np.ndarray, first: int) -> np.ndarray:
        """What was played from the longest delay looked for before the microphone sample at
        clock index `first` to the shortest after the last of `samples`."""
        return self._played.samples(first - self._max_delay,
                                    len(samples) + self._max_delay - self._min_delay)

    def was_echo_found(self, start_s: float) -> bool:
        """Whether the echo's delay was known from that instant of the output on."""
        return self._kept.was_echo_found(start_s)

    @property
    def drift_ppm(self) -> float:
        """How fast the delay is drifting (the two clocks' rate difference)."""
        return self._track.drift_ppm

    def process(self, pcm: bytes, recorded_at_s: float) -> bytes:
        """One microphone block (16-bit LE mono at 16 kHz; time of its LAST sample) without the
        echo, `latency_s` late (as many samples come out as went in)."""
        heard = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
        if heard.size == 0:
            return pcm
        self._follow(heard, recorded_at_s)
        self._blocks_to_estimate -= 1
        if self._blocks_to_estimate <= 0:
            self._estimate()
        cancelled = self._cancel(heard) if self.delay is not None else None
        # Through the suppressor even when nothing was played (it then passes the sound
        # unchanged): the latency stays the same whatever happens.
        cleaned, played = cancelled if cancelled is not None else (heard, np.zeros_like(heard))
        cleaned = self._suppressor.process(cleaned, played)
        self._kept.add(heard, cleaned, self.delay is not None, self._end - len(heard))
        return np.round(np.clip(cleaned, -1.0, 32767 / 32768) * 32768.0).astype("<i2").tobytes()

    def _follow(self, heard: np.ndarray, recorded_at_s: float) -> None:
        """Place the block on the sample clock: contiguous with the last, unless it jumped."""
        stamped_end = round(recorded_at_s * SAMPLE_RATE_HZ) + 1
        expected_end = None if self._end is None else self._end + len(heard)
        if expected_end is None or abs(stamped_end - expected_end) > JUMP_S * SAMPLE_RATE_HZ:
            self._end, self._n_heard = stamped_end, 0
        else:
            self._end = expected_end
        self._n_heard += len(heard)
        keep = min(len(heard), len(self._history))
        self._history = np.roll(self._history, -keep)
        self._history[-keep:] = heard[-keep:]

    def _estimate(self) -> None:
        """Cross-correlate the recent microphone with what was played; adopt a steady new delay."""
        assert self._end is not None
        is_working = self._residual_power < 0.25 * self._heard_power
        self._blocks_to_estimate = ESTIMATE_EVERY if is_working else ESTIMATE_EVERY_LOST
        n = min(self._n_heard, len(self._history))
        if n < FIRST_ESTIMATE_S * SAMPLE_RATE_HZ:
            return
        start = self._end - n
        reference = self._played.samples(start - self._max_delay, n + self._max_delay - self._min_delay)
        frames = reference[: len(reference) // BLOCK * BLOCK].reshape(-1, BLOCK)
        if np.mean(np.mean(frames**2, axis=1) > SILENT_POWER) < 0.3:
            return  # too little was played to tell
        mic = self._history[len(self._history) - n :].astype(np.float64)
        lag, correlation = estimate_delay(mic, reference.astype(np.float64))
        if correlation < MIN_CORRELATION:
            return
        delay, middle = self._max_delay - lag, self._end - n / 2
        now = float(self._track.at(self._end)) if self._track.is_known else None
        if now is not None and abs(delay - float(self._track.at(middle))) <= DELAY_TOLERANCE:
            self._track.add(middle, delay)
            self._candidate = None
            return
        # A change must show twice: one estimate spoiled by the user's voice is no new delay.
        if now is None or (self._candidate is not None and abs(delay - self._candidate) <= DELAY_TOLERANCE):
            if now is not None:
                self._shift_filters(round(delay - now))
            self._track.restart(middle, delay)
            self._candidate = None
            self._residual_fraction, self._quiet_steps = 1.0, 0  # what is usual must be learned again
        else:
            self._candidate = delay

    def _shift_filters(self, by: int) -> None:
        """Move what the filters learned along with the new bulk delay (`by` samples later)."""
        for weights in (self._background, self._foreground):
            taps = np.fft.irfft(weights, axis=1)[:, :BLOCK].reshape(-1)
            moved = np.zeros_like(taps)
            if abs(by) < len(taps):
                if by >= 0:
                    moved[: len(taps) - by] = taps[by:]
                else:
                    moved[-by:] = taps[: len(taps) + by]
            padded = np.concatenate([moved.reshape(PARTITIONS, BLOCK), np.zeros((PARTITIONS, BLOCK))], axis=1)
            weights[:] = np.fft.rfft(padded, axis=1)

    def _cancel(self, heard: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Filter the block in BLOCK steps: (what is left, what was played aligned with its echo);
        None when nothing was played within the filter's reach."""
        assert self._end is not None and self._track.is_known
        n_steps = -(-len(heard) // BLOCK)
        first = self._end - (n_steps - 1) * BLOCK - (PARTITIONS + 1) * BLOCK
        # Where each microphone sample's echo was played, along the drifting delay.
        at = np.arange(first, first + (PARTITIONS + n_steps + 1) * BLOCK, dtype=np.float64)
        at -= self._track.at(at) - PRE_DELAY
        margin = INTERPOLATION_TAPS // 2
        lo = math.floor(at[0]) - margin
        played = self._played.samples(lo, math.ceil(at[-1]) - lo + margin + 1)
        if not played.any():
            return None
        reference = read_between(played.astype(np.float64), at - lo)
        frames = np.lib.stride_tricks.sliding_window_view(reference, 2 * BLOCK)
        spectra = np.fft.rfft(frames[::BLOCK], axis=1)
        out = heard.copy()
        for step in range(n_steps):
            stop = len(heard) - (n_steps - 1 - step) * BLOCK
            lo = max(0, stop - BLOCK)
            newest = reference[(PARTITIONS + step) * BLOCK : (PARTITIONS + step + 1) * BLOCK]
            x = spectra[step : step + PARTITIONS][::-1]
            out[lo:stop] = self._step(x, heard[lo:stop], float(newest @ newest) / BLOCK)
        # reference[k] is played sound for microphone sample `first + k`, PRE_DELAY early.
        aligned_end = (PARTITIONS + n_steps) * BLOCK - PRE_DELAY
        return out, reference[aligned_end - len(heard) : aligned_end]

    def _is_double_talk(self, residual: float, heard: float) -> bool:
        """Whether the user talks over the echo: far more is left than the filter usually leaves.

        Only a filter that has learned the echo can tell; a reverberant room, where it cancels
        little, leaves the foreground/background comparison alone to guard it. If it "hears
        double talk" for too long, the echo path changed: learn the new normal.
        """
        fraction = min(residual / (heard + 1e-12), 1.0)
        if fraction > DOUBLE_TALK_RATIO * self._residual_fraction:
            self._quiet_steps += 1
            if self._quiet_steps <= MAX_DOUBLE_TALK_STEPS:
                return True
            self._residual_fraction = fraction
        self._quiet_steps = 0
        self._residual_fraction = 0.95 * self._residual_fraction + 0.05 * fraction
        return False

    def _step(self, x: np.ndarray, heard: np.ndarray, played_power: float) -> np.ndarray:
        """One filter block: foreground output; background adapts; better coefficients win."""
        n = len(heard)
        echo_fg = np.fft.irfft((self._foreground * x).sum(axis=0))[2 * BLOCK - n :]
        echo_bg = np.fft.irfft((self._background * x).sum(axis=0))[2 * BLOCK - n :]
        error_fg, error_bg = heard - echo_fg, heard - echo_bg
        energy_fg, energy_bg = float(error_fg @ error_fg), float(error_bg @ error_bg)
        self._heard_power = 0.8 * self._heard_power + 0.2 * float(heard @ heard)
        self._residual_power = 0.8 * self._residual_power + 0.2 * energy_fg
        # A filter that doubles what was heard learned the user's voice, not the echo (adapting
        # through double talk before it ever converged): hand on the microphone, and forget it.
        if self._residual_power > HARM_RATIO * self._heard_power:
            self._foreground[:] = 0
        output = heard if energy_fg > HARM_RATIO * (heard @ heard) else error_fg
        if n < BLOCK or played_power < SILENT_POWER or self._is_double_talk(energy_fg, heard @ heard):
            return output
        self._power = 0.5 * self._power + 0.5 * (np.abs(x) ** 2).sum(axis=0)
        regularized = self._power + 1e-2 * self._power.mean() + 1e-10
        spectrum = np.fft.rfft(np.concatenate([np.zeros(BLOCK), error_bg]))
        gradient = np.fft.irfft(np.conj(x) * (spectrum / regularized), axis=1)[:, :BLOCK]
        self._background += STEP * np.fft.rfft(gradient, 2 * BLOCK, axis=1)
        # The background must beat the foreground over ~100 ms and just now, not by luck once.
        self._lead_fast = 0.6 * self._lead_fast + (energy_fg - energy_bg)
        self._lead_slow = 0.85 * self._lead_slow + (energy_fg - energy_bg)
        if self._lead_fast > 0.1 * energy_fg and self._lead_slow > 0.3 * energy_fg:
            self._foreground[:] = self._background
        elif energy_bg > 4.0 * energy_fg:
            self._background[:] = self._foreground  # diverged on the user's voice: start again
            self._lead_fast = self._lead_slow = 0.0
        return output
