"""A microphone with a synthesized person behind it: real-time 16 kHz blocks carrying spoken commands.

The demo and tests use it where there is no microphone: the recognizer downstream cannot tell
it from a sounddevice InputStream, because it delivers the same blocks at the same pace.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.sim.synth import synthesize

BLOCK_S = 0.1
"""The same 100 ms blocks as the real capture (NOTES: low latency without overloading)."""

BlockSink = Callable[[bytes, float], None]
"""Receives each block of PCM and the monotonic time its last sample was "recorded"."""


class VirtualMicrophone:
    """Streams silence (plus faint room noise) and mixes in whatever `speak` is given."""

    def __init__(self, sink: BlockSink, voice: str = "en-us+m3", speed_wpm: int = 160,
                 noise_level: float = 0.002, seed: int = 7) -> None:
        self._sink = sink
        self._voice = voice
        self._speed_wpm = speed_wpm
        self._noise_level = noise_level
        self._rng = np.random.default_rng(seed)
        self._pending: list[tuple[str, np.ndarray]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="virtual-mic", daemon=True)
        self.spoken: list[tuple[float, float, str]] = []
        """(start, end, text) of every utterance, on the monotonic clock."""

    def start(self) -> None:
        """Begin streaming in real time."""
        self._thread.start()

    def speak(self, text: str) -> float:
        """Queue `text` to be "said" into the microphone from the next block; returns its length."""
        samples = synthesize(text, self._voice, self._speed_wpm)
        with self._lock:
            self._pending.append((text, samples))
        return len(samples) / SAMPLE_RATE_HZ

    def _run(self) -> None:
        block = round(BLOCK_S * SAMPLE_RATE_HZ)
        anchor = time.monotonic()
        current: np.ndarray = np.zeros(0, dtype=np.float32)
        text, started = "", 0.0
        index = 0
        while not self._stop.is_set():
            index += 1
            due = anchor + index * BLOCK_S
            delay = due - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            if not len(current):
                with self._lock:
                    if self._pending:
                        text, current = self._pending.pop(0)
                        started = due - BLOCK_S
            chunk = self._rng.normal(0, self._noise_level, block).astype(np.float32)
            if len(current):
                take = current[:block]
                chunk[: len(take)] += take
                current = current[block:]
                if not len(current):
                    self.spoken.append((started, due, text))
            self._sink(to_pcm16(chunk), due)

    def close(self) -> None:
        """Stop streaming."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
