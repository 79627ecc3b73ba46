"""Playing cues: a priority mixer on a clock, and the sounddevice stream that pulls from it.

The mixer is pure numpy and knows nothing of devices: the speaker, the --audio-out file and the
offline `render` all drive the same mixer, so the priority policy lives in exactly one place.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from voicecoach.audio import import_sounddevice
from voicecoach.cue_cache import resample
from voicecoach.cues import GAP_S  # the engine fits cues into phases with this same gap
from voicecoach.earcons import earcon_samples
from voicecoach.errors import AudioDeviceError
from voicecoach.events import Cue, CueKind, Earcon, SpeechFinished, SpeechStarted
from voicecoach.ports import Post
from voicecoach.speaking import SpeakingSignal

FORM_MAX_DELAY_S = 0.3
"""A form cue that cannot start within this long after it was asked for is dropped, not played late."""

BLOCK_FRAMES = 128
"""Frames per callback at 22050 Hz (5.8 ms): small blocks keep the first sample under 30 ms."""

READY_TIMEOUT_S = 4.0
"""PulseAudio streams stall for ~2 s before they start flowing; wait for that before any cue."""


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
    text: str = field(compare=False)
    samples: np.ndarray = field(compare=False, repr=False)
    at_s: float = field(compare=False)
    is_earcon: bool = field(compare=False, default=False)
    pos: int = field(compare=False, default=0)


def interrupts(new: _Item, playing: _Item) -> bool:
    """The priority policy: may `new` cut `playing` off?

    Safety cuts everything; acknowledgements cut everything but safety; a count cuts a form
    cue (form is dropped rather than late). Earcons are short: they cut nothing (they go first
    in the queue instead) and only safety cuts them.
    """
    if new.kind == CueKind.SAFETY:
        return True
    if playing.is_earcon or new.is_earcon:
        return False
    if new.kind == CueKind.ACK:
        return playing.kind >= CueKind.ACK
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
        """When the last sound ended by itself: cues already waiting then start GAP_S later."""

    def offer(self, cue: Cue, at_s: float) -> None:
        """Queue `cue` as asked for at clock time `at_s` (renders it now if it was never cached)."""
        samples = resample(self._cues.audio(cue.text), self._cues.rate_hz, self.rate_hz)
        self._add(cue.kind, cue.text, samples, at_s, is_earcon=False)

    def offer_earcon(self, earcon: Earcon, at_s: float) -> None:
        """Queue a tone ahead of everything but safety (it interrupts nothing)."""
        samples = earcon_samples(earcon, self.rate_hz)
        self._add(CueKind.ACK, f"<{earcon.value}>", samples, at_s, is_earcon=True)

    def _add(self, kind: CueKind, text: str, samples: np.ndarray, at_s: float,
             is_earcon: bool) -> None:
        with self._lock:
            item = _Item(kind, next(self._seq), text, samples, at_s, is_earcon)
            bisect.insort(self._incoming, (at_s, item.seq, item))

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
                    self._current = self._next(at_s)
                    if self._current is not None:
                        notices.append((True, self._current, at_s))
                wake_s = self._incoming[0][0] if self._incoming else math.inf
                if self._current is None and self._waiting:
                    wake_s = min(wake_s, self._ended_s + GAP_S)
                stop = out.size if wake_s == math.inf else min(
                    out.size, max(pos + 1, math.ceil((wake_s - start_s) * rate))
                )
                item = self._current
                if item is None:
                    pos = stop
                    continue
                end = min(stop, pos + item.samples.size - item.pos)
                out[pos:end] = item.samples[item.pos : item.pos + end - pos] * self._volume
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
            heapq.heappush(self._waiting, item)

    def _next(self, at_s: float) -> _Item | None:
        """The most urgent waiting item, dropping form cues that would now be late.

        A cue that was already waiting when the last sound ended waits GAP_S more, so cues
        said back to back do not run into each other; one asked for later starts at once.
        """
        while self._waiting:
            if self._waiting[0].at_s <= self._ended_s and at_s < self._ended_s + GAP_S:
                return None
            item = heapq.heappop(self._waiting)
            if item.kind == CueKind.FORM and at_s - item.at_s > self._form_max_delay_s:
                self.dropped.append(item.text)
                continue
            return item
        return None

    def stop(self, at_s: float) -> None:
        """Cut whatever plays and forget everything waiting (closing the voice)."""
        with self._lock:
            current, self._current = self._current, None
            self._waiting.clear()
            self._incoming.clear()
        if current is not None:
            self._publish([(False, current, at_s)])

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


class SoundDevicePlayer:
    """ports.Voice on a sound card: one OutputStream kept open, its callback pulls from a CueMixer.

    Keeping the stream running (silence between cues) is what makes the first sample of a cue
    come out within a few blocks, and interrupting is just the next block starting another cue.
    """

    def __init__(
        self, cues: CueAudio, device: int | str | None = None, volume: float = 1.0,
        post: Post | None = None, speaking: SpeakingSignal | None = None,
        block_frames: int = BLOCK_FRAMES,
    ) -> None:
        sd = import_sounddevice()
        self._ready = threading.Event()
        self._last_callback_s = 0.0
        self._steady = 0
        try:
            self._stream = self._open(sd, device, cues.rate_hz, block_frames)
            self.mixer = CueMixer(cues, volume, post, speaking, rate_hz=int(self._stream.samplerate))
            self._block_s = block_frames / self.mixer.rate_hz
            self._stream.start()
            self.device_name = str(sd.query_devices(self._stream.device)["name"])
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioDeviceError(f"cannot play on output device {device!r}: {exc}") from exc
        self._ready.wait(READY_TIMEOUT_S)

    def _open(self, sd: Any, device: int | str | None, rate_hz: int, block_frames: int) -> Any:
        """An output stream at the cues' rate, or at the device's own rate if it refuses that."""
        def open_at(samplerate: float) -> Any:
            return sd.OutputStream(
                device=device, samplerate=samplerate, channels=1, dtype="float32",
                latency="low", blocksize=block_frames, callback=self._callback,
            )

        try:
            return open_at(rate_hz)
        except sd.PortAudioError:
            return open_at(sd.query_devices(device, "output")["default_samplerate"])

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        # the stream is steady once callbacks come about one block apart (after PulseAudio's
        # start-up stall); cues said before then would come out late
        self._steady = self._steady + 1 if now - self._last_callback_s < 3 * self._block_s else 0
        self._last_callback_s = now
        if self._steady >= 5:
            self._ready.set()
        lead_s = time_info.outputBufferDacTime - time_info.currentTime
        if not 0.0 <= lead_s < 1.0:  # some host APIs report no DAC time
            lead_s = self._stream.latency
        self.mixer.fill(outdata[:, 0], now + lead_s)

    def say(self, cue: Cue) -> None:
        """Queue a cue under the priority policy; returns at once."""
        self.mixer.offer(cue, time.monotonic())

    def earcon(self, earcon: Earcon) -> None:
        """Queue a short tone; returns at once."""
        self.mixer.offer_earcon(earcon, time.monotonic())

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until everything queued has been played (and has left the device's buffer)."""
        deadline = time.monotonic() + timeout_s
        while not self.mixer.is_idle:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        time.sleep(self._stream.latency)
        return True

    def close(self) -> None:
        """Stop playing at once and release the device."""
        self._stream.abort()
        self._stream.close()
        self.mixer.stop(time.monotonic())
