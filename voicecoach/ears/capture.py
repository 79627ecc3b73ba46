"""Microphone capture on its own thread: 100 ms blocks of 16 kHz PCM, and riding out a lost device."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from voicecoach.audio import SAMPLE_RATE_HZ, import_sounddevice, release_stream
from voicecoach.errors import AudioDeviceError

BLOCK_S = 0.1
"""~100 ms blocks with latency='low': ~0.1 s input delay (NOTES) without waking up too often."""
BLOCK_FRAMES = int(SAMPLE_RATE_HZ * BLOCK_S)

FIRST_BLOCK_TIMEOUT_S = 5.0
"""A PulseAudio source can take ~2 s to wake up and deliver its first block."""
STALL_S = 1.5
"""No block for this long after the stream ran means the device is gone."""
RETRY_S = 1.0
"""How often a lost device is tried again."""

BlockSink = Callable[[bytes, float], None]
"""Receives each block of PCM and the monotonic time its last sample was recorded."""


def open_input_stream(device: int | str | None, on_block: Callable[[bytes, float], None],
                      on_finished: Callable[[], None]) -> Any:
    """A started sounddevice InputStream (16 kHz mono int16); AudioDeviceError if it cannot open."""
    sd = import_sounddevice()

    def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
        # The callback's own clock, not time_info.inputBufferAdcTime: through PulseAudio's ALSA
        # plugin the ADC time was measured advancing 0.2 s per 0.1 s block.
        on_block(bytes(indata), time.monotonic())

    try:
        stream = sd.RawInputStream(
            device=device, samplerate=SAMPLE_RATE_HZ, channels=1, dtype="int16",
            blocksize=BLOCK_FRAMES, latency="low", callback=callback,
            finished_callback=on_finished,
        )
        stream.start()
    except (sd.PortAudioError, ValueError) as exc:
        raise AudioDeviceError(f"cannot open microphone {device!r}: {exc}") from exc
    return stream


def check_input(device: int | str | None) -> None:
    """Open and close the device once, so an unusable microphone is found before a workout."""
    stream = open_input_stream(device, lambda pcm, t: None, lambda: None)
    stream.abort()
    stream.close()


_Item = tuple[int, bytes, float] | None
"""(stream generation, PCM, time); empty PCM = that stream finished; None = close."""


class Capture:
    """Delivers microphone blocks to `sink` from a thread; reports loss and return of the device.

    PortAudio's callback only queues blocks; this thread hands them on, so a slow recognizer
    never blocks the audio driver.
    """

    def __init__(
        self,
        device: int | str | None,
        sink: BlockSink,
        on_lost: Callable[[str], None],
        on_back: Callable[[], None],
        *,
        stall_s: float = STALL_S,
        retry_s: float = RETRY_S,
    ) -> None:
        self._device = device
        self._sink = sink
        self._on_lost = on_lost
        self._on_back = on_back
        self._stall_s = stall_s
        self._retry_s = retry_s
        self._items: queue.Queue[_Item] = queue.Queue()
        self._generation = 0
        self._closing = threading.Event()
        self._stream: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the device now (so a missing microphone fails here) and start the thread."""
        self._open()
        self._thread = threading.Thread(target=self._run, name="voicecoach-capture", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and release the device."""
        self._closing.set()
        self._items.put(None)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close_stream()

    def _open(self) -> None:
        self._generation += 1
        generation = self._generation
        self._stream = open_input_stream(
            self._device,
            lambda pcm, t: self._items.put((generation, pcm, t)),
            lambda: self._items.put((generation, b"", time.monotonic())),
        )

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            release_stream(stream)

    def _run(self) -> None:
        reason = self._pump(FIRST_BLOCK_TIMEOUT_S)
        while reason is not None:
            self._close_stream()
            self._on_lost(reason)
            reason = self._reconnect()

    def _reconnect(self) -> str | None:
        """Reopen the device every retry_s until it delivers audio; then pump again."""
        while not self._closing.wait(self._retry_s):
            try:
                self._open()
            except AudioDeviceError:
                continue
            item = self._next(FIRST_BLOCK_TIMEOUT_S)
            if isinstance(item, tuple):
                self._on_back()
                self._sink(item[1], item[2])
                return self._pump(self._stall_s)
            self._close_stream()
            if item is None:
                return None
        return None

    def _next(self, timeout_s: float) -> tuple[int, bytes, float] | str | None:
        """The current stream's next block, a reason it failed, or None when closing."""
        deadline = time.monotonic() + timeout_s
        while not self._closing.is_set():
            try:
                item = self._items.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return f"no audio from the microphone for {timeout_s:.1f} s"
            if item is None:
                return None
            if item[0] != self._generation:
                continue  # left over from a stream already closed
            return item if item[1] else "the input stream stopped"
        return None

    def _pump(self, first_timeout_s: float) -> str | None:
        """Hand blocks to the sink until the device fails (returns why) or closing (None)."""
        timeout_s = first_timeout_s
        while True:
            item = self._next(timeout_s)
            if not isinstance(item, tuple):
                return item
            self._sink(item[1], item[2])
            timeout_s = self._stall_s
