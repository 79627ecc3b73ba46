"""The cue mixer: a priority queue of sounds on a clock, pure numpy, knowing nothing of devices.

The speaker, the --audio-out file and the offline `render` all drive this same mixer, so the
priority policy lives in exactly one place.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import threading
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from voicecoach.audio import resample
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.events import CUE_GAP_S, Cue, CueKind, Earcon, SpeechFinished, SpeechStarted
from voicecoach.ports import Post
from voicecoach.voice.earcons import earcon_samples

FORM_MAX_DELAY_S = 0.3
"""A form cue that cannot start within this long after it was asked for is dropped, not played late."""

VOLUME_RAMP_S = 0.02
"""A new volume is reached over this long while a sound plays: a gain that jumps mid-sound clicks."""


class CueAudio(Protocol):
    """Where the player gets a cue's samples (the CueCache)."""

    rate_hz: int

    def audio(self, text: str) -> np.ndarray:
        """float32 samples at `rate_hz`."""


@dataclass(order=True)
class _Item:
    """One sound waiting or playing; ordered by urgency, then by arrival."""

    kind: CueKind
    seq: int
    sound: Cue | Earcon = field(compare=False)
    text: str = field(compare=False)
    samples: np.ndarray = field(compare=False, repr=False)
    at_s: float = field(compare=False)
    pos: int = field(compare=False, default=0)

    @property
    def is_earcon(self) -> bool:
        """Tones are short: they interrupt nothing and the runner is not told about them."""
        return isinstance(self.sound, Earcon)


def interrupts(new: _Item, playing: _Item) -> bool:
    """The priority policy: may `new` cut `playing` off?

    Safety cuts everything; acknowledgements cut counts, info and form, but not each other (an
    answer may take two sentences: "Three more reps. This is the last set."); a count cuts a
    form cue (form is dropped rather than late). Earcons are short: they cut nothing (they go first
    in the queue instead) and only safety cuts them.
    """
    if new.kind == CueKind.SAFETY:
        return True
    if playing.is_earcon or new.is_earcon:
        return False
    if new.kind == CueKind.ACK:
        return playing.kind > CueKind.ACK
    return new.kind == CueKind.COUNT and playing.kind == CueKind.FORM


class CueMixer:
    """Turns cues offered at clock times into blocks of samples, applying the priority policy.

    `offer` may be called from any thread; `fill` is called by whatever drives the clock (the
    sound card's callback, a file writer's pump, or an offline loop) with the clock time of the
    block's first sample. Arrivals inside a block start at their exact frame.
    """

    def __init__(
        self, cues: CueAudio, volume: float = 1.0, post: Post | None = None,
        speaking: SpeakingSignal | None = None, form_max_delay_s: float = FORM_MAX_DELAY_S,
        rate_hz: int | None = None,
    ) -> None:
        self.rate_hz = rate_hz or cues.rate_hz
        """The output rate; cues are resampled to it when the device cannot play theirs."""
        self._cues = cues
        self._volume = volume
        self._target_volume = volume
        self._ramp_per_frame = 0.0
        self._post = post
        self._speaking = speaking
        self._form_max_delay_s = form_max_delay_s
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._incoming: list[tuple[float, int, _Item]] = []
        self._waiting: list[_Item] = []
        self._current: _Item | None = None
        self.dropped: list[str] = []
        """Texts of form cues dropped because they would have been late (for logs and tests)."""
        self.last_stop_s = -math.inf
        """Clock time at which the last sound ended."""
        self._ended_s = -math.inf
        """When the last sound ended by itself: cues already waiting then start CUE_GAP_S later."""

    def offer(self, cue: Cue, at_s: float) -> None:
        """Queue `cue` as asked for at clock time `at_s` (renders it now if it was never cached)."""
        samples = resample(self._cues.audio(cue.text), self._cues.rate_hz, self.rate_hz)
        self._add(cue, cue.kind, cue.text, samples, at_s)

    def offer_earcon(self, earcon: Earcon, at_s: float) -> None:
        """Queue a tone ahead of everything but safety (it interrupts nothing)."""
        samples = earcon_samples(earcon, self.rate_hz)
        self._add(earcon, CueKind.ACK, f"<{earcon.value}>", samples, at_s)

    def _add(self, sound: Cue | Earcon, kind: CueKind, text: str, samples: np.ndarray,
             at_s: float) -> None:
        with self._lock:
            item = _Item(kind, next(self._seq), sound, text, samples, at_s)
            bisect.insort(self._incoming, (at_s, item.seq, item))

    def set_volume(self, volume: float) -> None:
        """Move to `volume` (linear gain) from the next block on: what plays, and all that waits."""
        with self._lock:
            self._target_volume = volume
            self._ramp_per_frame = (volume - self._volume) / (VOLUME_RAMP_S * self.rate_hz)

    def _gain(self, frames: int) -> float | np.ndarray:
        """The gain for the next `frames` samples of sound: the volume, or a ramp towards it."""
        if self._volume == self._target_volume:
            return self._volume
        ramp = self._volume + self._ramp_per_frame * np.arange(1, frames + 1)
        ramp = (np.minimum if self._ramp_per_frame > 0 else np.maximum)(ramp, self._target_volume)
        self._volume = float(ramp[-1])
        return ramp

    @property
    def is_idle(self) -> bool:
        """Nothing playing and nothing waiting."""
        with self._lock:
            return self._current is None and not self._waiting and not self._incoming

    def fill(self, out: np.ndarray, start_s: float) -> None:
        """Write the next len(out) samples, whose first sample sounds at clock time `start_s`."""
        out.fill(0.0)
        notices: list[tuple[bool, _Item, float]] = []
        rate = self.rate_hz
        with self._lock:
            pos = 0
            while pos < out.size:
                at_s = start_s + pos / rate
                self._admit(at_s, notices)
                if self._current is None:
                    self._volume = self._target_volume  # between sounds a jump is not heard
                    self._current = self._next(at_s)
                    if self._current is not None:
                        notices.append((True, self._current, at_s))
                wake_s = self._incoming[0][0] if self._incoming else math.inf
                if self._current is None and self._waiting:
                    wake_s = min(wake_s, self._ended_s + CUE_GAP_S)
                stop = out.size if wake_s == math.inf else min(
                    out.size, max(pos + 1, math.ceil((wake_s - start_s) * rate))
                )
                item = self._current
                if item is None:
                    pos = stop
                    continue
                end = min(stop, pos + item.samples.size - item.pos)
                out[pos:end] = item.samples[item.pos : item.pos + end - pos] * self._gain(end - pos)
                item.pos += end - pos
                pos = end
                if item.pos >= item.samples.size:
                    self._ended_s = start_s + pos / rate
                    notices.append((False, item, self._ended_s))
                    self._current = None
        self._publish(notices)

    def _admit(self, at_s: float, notices: list[tuple[bool, _Item, float]]) -> None:
        """Move arrivals due by `at_s` into the waiting heap, cutting what they interrupt."""
        while self._incoming and self._incoming[0][0] <= at_s:
            item = self._incoming.pop(0)[2]
            current = self._current
            if current is not None and interrupts(item, current):
                notices.append((False, current, at_s))
                self._current = None
            if item.kind == CueKind.SAFETY:
                # The set is abandoned: none of its counts, phase or form cues follow the advice.
                self.dropped.extend(w.text for w in self._waiting if w.kind > CueKind.ACK)
                self._waiting = [w for w in self._waiting if w.kind <= CueKind.ACK]
                heapq.heapify(self._waiting)
            heapq.heappush(self._waiting, item)

    def _next(self, at_s: float) -> _Item | None:
        """The most urgent waiting item, dropping form cues that would now be late.

        A cue that was already waiting when the last sound ended waits CUE_GAP_S more, so cues
        said back to back do not run into each other; one asked for later starts at once.
        """
        while self._waiting:
            if self._waiting[0].at_s <= self._ended_s and at_s < self._ended_s + CUE_GAP_S:
                return None
            item = heapq.heappop(self._waiting)
            if item.kind == CueKind.FORM and at_s - item.at_s > self._form_max_delay_s:
                self.dropped.append(item.text)
                continue
            return item
        return None

    def stop(self, at_s: float) -> list[Cue | Earcon]:
        """Cut whatever plays and empty the queue; returns what was never heard to the end.

        That is the cut sound, then the waiting ones by urgency, then later arrivals, minus
        form cues already too late: where the voice goes on elsewhere (printed), it says those.
        """
        with self._lock:
            current, self._current = self._current, None
            queued = [*sorted(self._waiting), *(item for _, _, item in self._incoming)]
            self._waiting.clear()
            self._incoming.clear()
            unheard = [] if current is None else [current]
            for item in queued:
                if item.kind == CueKind.FORM and at_s - item.at_s > self._form_max_delay_s:
                    self.dropped.append(item.text)
                else:
                    unheard.append(item)
        if current is not None:
            self._publish([(False, current, at_s)])
        return [item.sound for item in unheard]

    def _publish(self, notices: list[tuple[bool, _Item, float]]) -> None:
        """Tell the speaking signal (exact times) and the runner; earcons only gate the ears."""
        for is_start, item, at_s in notices:
            if not is_start:
                self.last_stop_s = at_s
            if self._speaking is not None:
                if is_start:
                    self._speaking.started(item.text, at_s)
                else:
                    self._speaking.stopped(at_s)
            if self._post is not None and not item.is_earcon:
                self._post(SpeechStarted(item.text) if is_start else SpeechFinished(item.text))
