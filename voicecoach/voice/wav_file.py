"""The coach's voice as a WAV file: live (--audio-out, cues at their real times) or offline (render).

Both drive the same CueMixer as the speaker, so the file holds exactly what the speaker would
have played: same interruptions, same dropped form cues.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from voicecoach.audio import write_wav
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.events import Cue, CueKind, Earcon
from voicecoach.ports import Post
from voicecoach.voice.mixer import CueAudio, CueMixer

PUMP_S = 0.02
"""How often the live file voice catches up with the clock; cue times stay frame-exact anyway."""

_DRAIN_BLOCK_S = 1.0


class _GrowingBuffer:
    """Blocks appended in order, joined once at the end."""

    def __init__(self, mixer: CueMixer) -> None:
        self.mixer = mixer
        self.frames = 0
        self._blocks: list[np.ndarray] = []

    def fill_to(self, frames: int, origin_s: float) -> None:
        """Mix up to `frames` from the start, the first frame sounding at clock time `origin_s`."""
        if frames > self.frames:
            block = np.empty(frames - self.frames, dtype=np.float32)
            self.mixer.fill(block, origin_s + self.frames / self.mixer.rate_hz)
            self._blocks.append(block)
            self.frames = frames

    def drain(self, origin_s: float) -> None:
        """Keep mixing until everything queued has played out, and end with the last sound."""
        rate = self.mixer.rate_hz
        planned = self.frames
        while not self.mixer.is_idle:
            self.fill_to(self.frames + int(_DRAIN_BLOCK_S * rate), origin_s)
        last_stop_s = max(self.mixer.last_stop_s, origin_s)  # -inf when nothing was said
        last_sound = math.ceil((last_stop_s - origin_s) * rate)
        end = max(planned, min(self.frames, last_sound))
        if end < self.frames:
            self._blocks = [self.samples()[:end]]
            self.frames = end

    def samples(self) -> np.ndarray:
        """Everything mixed so far."""
        return np.concatenate(self._blocks) if self._blocks else np.zeros(0, dtype=np.float32)


class WavFileVoice:
    """ports.Voice that writes what the coach says into a WAV, each cue at its real elapsed time.

    A pump thread advances the buffer with the clock so SpeechStarted/SpeechFinished are posted
    at the right moments; close() plays out what is still queued and writes the file.
    """

    def __init__(
        self, cues: CueAudio, path: Path, volume: float = 1.0, post: Post | None = None,
        speaking: SpeakingSignal | None = None, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._clock = clock
        self._buffer = _GrowingBuffer(CueMixer(cues, volume, post, speaking))
        self._origin_s = clock()
        self._closed = threading.Event()
        self._pump = threading.Thread(target=self._run, name="wav-out", daemon=True)
        self._pump.start()

    def _catch_up(self) -> None:
        elapsed_s = self._clock() - self._origin_s
        self._buffer.fill_to(int(elapsed_s * self._buffer.mixer.rate_hz), self._origin_s)

    def _run(self) -> None:
        while not self._closed.wait(PUMP_S):
            self._catch_up()

    def say(self, cue: Cue) -> None:
        """Place the cue at the current elapsed time (subject to the priority policy)."""
        self._buffer.mixer.offer(cue, self._clock())

    def earcon(self, earcon: Earcon) -> None:
        """Place a tone at the current elapsed time."""
        self._buffer.mixer.offer_earcon(earcon, self._clock())

    def set_volume(self, level: float) -> None:
        """Mix at `level` from the pump's next block on (at most PUMP_S after the command)."""
        self._buffer.mixer.set_volume(level)

    def close(self) -> None:
        """Finish what is queued, then write the file."""
        self._closed.set()
        self._pump.join()
        self._catch_up()
        self._buffer.drain(self._origin_s)
        write_wav(self.path, self._buffer.samples(), self._buffer.mixer.rate_hz)


TimedSound = tuple[float, str] | tuple[float, Cue] | tuple[float, Earcon]


def mix_timeline(
    records: Iterable[TimedSound], cues: CueAudio, total_s: float, path: Path,
    volume: float = 1.0,
) -> float:
    """Mix cues and earcons at session times into one WAV of at least `total_s`; returns its length.

    Plain strings are INFO cues. Cues still playing at `total_s` are played out, so the file
    can be a little longer than the plan.
    """
    mixer = CueMixer(cues, volume)
    for at_s, sound in sorted(records, key=lambda record: record[0]):
        if isinstance(sound, Earcon):
            mixer.offer_earcon(sound, at_s)
        else:
            mixer.offer(sound if isinstance(sound, Cue) else Cue(sound, CueKind.INFO), at_s)
    buffer = _GrowingBuffer(mixer)
    buffer.fill_to(round(total_s * mixer.rate_hz), 0.0)
    buffer.drain(0.0)
    samples = buffer.samples()
    write_wav(path, samples, mixer.rate_hz)
    return samples.size / mixer.rate_hz
