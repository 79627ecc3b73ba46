"""The sound card end of the player: one output stream kept running, and riding out a lost device.

The mirror of ears/capture.py for the speaker: a stream that stops (its device vanished) or
stops asking for blocks (a stalled sink) is reported lost, closed, and reopened every
retry_s until it plays steadily again.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from voicecoach.audio import import_sounddevice, release_stream
from voicecoach.errors import AudioDeviceError

READY_TIMEOUT_S = 4.0
"""How long a new stream may take to start flowing before the first cue. A PulseAudio null sink
that nothing plays into renders in 2 s blocks, so a stream connecting to it waits up to 2 s."""
STALL_S = 3.0
"""No callback for this long means the device is gone. Not less: after an underrun PulseAudio's
ALSA plugin reconnects the stream, and on an idle null sink that costs ~2 s (measured 1.98 s)."""
RETRY_S = 1.0
"""How often a lost device is tried again (each failed try costs PortAudio a few stderr lines)."""
WATCH_S = 0.1
"""How often the watcher looks at the running stream."""
OUTPUT_LATENCY_S = 0.05
"""The speaker's buffer. A callback in Python must be let run within it, and in a process that
also listens (the echo canceller's fits, Whisper, two cores) it often was not: with PortAudio's
"low" latency (11.6 ms here) a one-minute workout with the echo loop on ran dry 130-250 times on
an idle machine, at 25 ms 108, at 35 ms 16, at 60 ms 15 (`tests/test_cli_run_end_to_end.py`
whole-set echo run, one run each). Every gap is heard, and moves the echo the canceller looks
for: it took away 1-17 dB instead of 16-30. Cues still sound on time: the pacer posts each
scheduled moment this much early (SchedulerPacer.say_ahead_s); an answer to a command comes
this much later than before, which no one hears."""
GIL_SWITCH_S = 0.0005
"""The longest a busy Python thread may keep the GIL from the output callback (Python's default
is 5 ms). The callback must run every block (128 frames, 5.8 ms) before the buffer empties; when
it waits for the GIL too long the stream underruns and the listener hears a gap. Measured with
benchmarks/speech_stretch.py (12 cues of 1.5 s through the real player on the private PulseAudio,
a busy Python thread in the process and a busy process beside it): README, "Stretched coach
speech".
A C extension that holds the GIL through one long call (numpy's linalg.solve in the echo fit,
~4 ms) is not helped by this, only by the buffer; the player counts the underruns and says so
when it closes."""

StreamCallback = Callable[[np.ndarray, int, Any, Any], None]
"""sounddevice's output callback: (outdata, frames, time_info, status)."""
Fill = Callable[[np.ndarray, float, bool], None]
"""Writes a block of mono samples whose first one sounds at the given monotonic time; the flag
says the device ran dry just before it (it played silence the stream does not contain)."""


class Stream(Protocol):
    """Any running PortAudio stream, as far as releasing it goes."""

    def abort(self) -> None:
        """Stop at once, dropping what is buffered."""

    def close(self) -> None:
        """Release the device."""


class OutputStream(Stream, Protocol):
    """What the speaker needs of a running sounddevice.OutputStream."""

    samplerate: float
    latency: float


class Output(Protocol):
    """A device that output streams are opened on (sounddevice, or a fake in tests)."""

    name: str
    """The device's name as the user knows it (valid once a stream was opened)."""

    def open(self, rate_hz: int, callback: StreamCallback,
             on_finished: Callable[[], None]) -> OutputStream:
        """A started mono float32 stream at `rate_hz` (or the device's own rate if it refuses that).

        Raises AudioDeviceError when the device cannot be opened.
        """


class SoundDeviceOutput:
    """The real Output: sounddevice streams on one device, small blocks, OUTPUT_LATENCY_S of buffer."""

    def __init__(self, device: int | str | None, block_frames: int) -> None:
        self._sd = import_sounddevice()
        self._device = device
        self._block_frames = block_frames
        self.name = str(device)

    def open(self, rate_hz: int, callback: StreamCallback,
             on_finished: Callable[[], None]) -> OutputStream:
        """Open and start a stream; every PortAudio error becomes an AudioDeviceError."""
        sd = self._sd

        def open_at(samplerate: float) -> Any:
            return sd.OutputStream(
                device=self._device, samplerate=samplerate, channels=1, dtype="float32",
                latency=OUTPUT_LATENCY_S, blocksize=self._block_frames, callback=callback,
                finished_callback=on_finished,
            )

        try:
            try:
                stream = open_at(rate_hz)
            except sd.PortAudioError:
                stream = open_at(sd.query_devices(self._device, "output")["default_samplerate"])
            stream.start()
            self.name = str(sd.query_devices(stream.device)["name"])
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioDeviceError(f"cannot play on output device {self._device!r}: {exc}") from exc
        return stream


class _Live:
    """One opened stream and what its callbacks have shown; a reopened device gets a new one."""

    def __init__(self, make_fill: Callable[[int], Fill], rate_hz: int, block_frames: int) -> None:
        self._make_fill = make_fill
        self._rate_hz = rate_hz
        self._block_frames = block_frames
        self._block_s = block_frames / rate_hz
        self._fill: Fill | None = None
        self.stream: OutputStream | None = None
        self.latency_s = 0.0
        self.last_callback_s = time.monotonic()
        self._steady = 0
        self.underruns = 0
        """How often the device ran dry once the stream was steady (each one is a gap heard)."""
        self.is_ready = threading.Event()
        self.has_finished = threading.Event()

    def open(self, output: Output) -> None:
        """Open the stream; the fill target is made for the rate the device accepted."""
        stream = output.open(self._rate_hz, self._callback, self.has_finished.set)
        self.latency_s = float(stream.latency)
        self._block_s = self._block_frames / stream.samplerate
        self._fill = self._make_fill(int(stream.samplerate))
        self.stream = stream

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        # the stream is steady once callbacks come about one block apart (after PulseAudio's
        # start-up stall); cues said before then would come out late
        self._steady = self._steady + 1 if now - self.last_callback_s < 3 * self._block_s else 0
        self.last_callback_s = now
        fill = self._fill
        if fill is None:  # the first blocks can come before open() returns
            outdata.fill(0.0)
            return
        if self._steady >= 5:
            self.is_ready.set()
        lead_s = time_info.outputBufferDacTime - time_info.currentTime
        if not 0.0 <= lead_s < 1.0:  # some host APIs report no DAC time
            lead_s = self.latency_s
        ran_dry = bool(status.output_underflow)
        if ran_dry and self.is_ready.is_set():
            self.underruns += 1
        fill(outdata[:, 0], now + lead_s, ran_dry)

    def close(self) -> None:
        """Release the stream, whatever state its device is in."""
        stream, self.stream = self.stream, None
        if stream is not None:
            release_stream(stream)


class StreamKeeper:
    """Keeps one output stream playing from `make_fill`'s target; reports loss and return.

    `make_fill(rate_hz)` is called for every stream opened, before its first steady block,
    so the caller can mix at whatever rate the (re)opened device accepted.
    """

    def __init__(
        self,
        output: Output,
        rate_hz: int,
        block_frames: int,
        make_fill: Callable[[int], Fill],
        on_lost: Callable[[str], None],
        on_back: Callable[[], None],
        *,
        stall_s: float = STALL_S,
        retry_s: float = RETRY_S,
        ready_timeout_s: float = READY_TIMEOUT_S,
    ) -> None:
        self._output = output
        self._rate_hz = rate_hz
        self._block_frames = block_frames
        self._make_fill = make_fill
        self._on_lost = on_lost
        self._on_back = on_back
        self._stall_s = stall_s
        self._retry_s = retry_s
        self._ready_timeout_s = ready_timeout_s
        self._closing = threading.Event()
        self._live: _Live | None = None
        self._closed_underruns = 0
        self._thread: threading.Thread | None = None

    @property
    def latency_s(self) -> float:
        """How long a sample waits in the device's buffer (0 while the device is lost)."""
        live = self._live
        return live.latency_s if live is not None else 0.0

    @property
    def underruns(self) -> int:
        """How often the device ran dry while steady, over every stream opened so far."""
        live = self._live
        return self._closed_underruns + (live.underruns if live is not None else 0)

    def start(self) -> None:
        """Open the device now (a missing speaker fails here), wait until it flows, then watch it.

        Shortens the process's GIL switch interval (GIL_SWITCH_S): a process with a speaker must
        let its callback run in time."""
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        self._open().is_ready.wait(self._ready_timeout_s)
        self._thread = threading.Thread(target=self._run, name="voicecoach-speaker", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop watching and release the device."""
        self._closing.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._close_stream()

    def _open(self) -> _Live:
        live = _Live(self._make_fill, self._rate_hz, self._block_frames)
        live.open(self._output)
        self._live = live
        return live

    def _close_stream(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.close()
            self._closed_underruns += live.underruns

    def _run(self) -> None:
        while (reason := self._watch()) is not None:
            self._close_stream()
            self._on_lost(reason)
            if not self._reconnect():
                return
            self._on_back()

    def _watch(self) -> str | None:
        """Wait until the stream stops or stalls (returns why) or the speaker closes (None)."""
        live = self._live
        while live is not None and not self._closing.wait(WATCH_S):
            if live.has_finished.is_set():
                return "the output stream stopped"
            if time.monotonic() - live.last_callback_s > self._stall_s:
                return f"no sound went out for {self._stall_s:.1f} s"
        return None

    def _reconnect(self) -> bool:
        """Reopen the device every retry_s until it plays steadily; False when closing."""
        while not self._closing.wait(self._retry_s):
            try:
                live = self._open()
            except AudioDeviceError:
                continue
            if self._flows(live):
                return True
            self._close_stream()
        return False

    def _flows(self, live: _Live) -> bool:
        """Whether a reopened stream plays steadily within ready_timeout_s (False when closing)."""
        deadline_s = time.monotonic() + self._ready_timeout_s
        while not self._closing.wait(WATCH_S):
            if live.is_ready.is_set():
                return True
            if live.has_finished.is_set() or time.monotonic() > deadline_s:
                return False
        return False
