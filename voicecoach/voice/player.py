"""Playing cues on the sound card: the output stream pulls each block from the cue mixer."""

from __future__ import annotations

import sys
import threading
import time

import numpy as np

from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.events import Cue, Earcon
from voicecoach.ports import Post
from voicecoach.voice.mixer import CueAudio, CueMixer
from voicecoach.voice.output_stream import RETRY_S, STALL_S, Fill, Output, SoundDeviceOutput, StreamKeeper
from voicecoach.voice.printed import PrintedVoice

BLOCK_FRAMES = 128
"""Frames per callback at 22050 Hz (5.8 ms): a cue starts on the block boundary nearest its time."""


class SoundDevicePlayer:
    """ports.Voice on a sound card: one output stream kept open, its callback pulls from a CueMixer.

    Keeping the stream running (silence between cues) is what makes the first sample of a cue
    come out within a few blocks, and interrupting is just the next block starting another cue.
    If the device is lost mid-workout, the player says so once and prints the cues until the
    device is back; pacing never waits for it.
    """

    def __init__(
        self, cues: CueAudio, device: int | str | None = None, volume: float = 1.0,
        post: Post | None = None, speaking: SpeakingSignal | None = None,
        block_frames: int = BLOCK_FRAMES, *, output: Output | None = None,
        fallback: PrintedVoice | None = None, stall_s: float = STALL_S, retry_s: float = RETRY_S,
    ) -> None:
        self._cues = cues
        self._volume = volume
        self._post = post
        self._speaking = speaking
        self._output = output if output is not None else SoundDeviceOutput(device, block_frames)
        self._fallback = fallback if fallback is not None else PrintedVoice(post=post)
        """Where cues go while the device is lost."""
        self._lock = threading.Lock()
        self._is_lost = False
        self.mixer: CueMixer
        """The current stream's mixer (each opened stream gets its own, at the rate it took)."""
        self._speaker = StreamKeeper(self._output, cues.rate_hz, block_frames, self._mix_for,
                                self._lost, self._back, stall_s=stall_s, retry_s=retry_s)
        self._speaker.start()

    @property
    def device_name(self) -> str:
        """The output device as PortAudio names it."""
        return self._output.name

    @property
    def is_lost(self) -> bool:
        """True while the device is gone and cues are printed instead."""
        with self._lock:
            return self._is_lost

    def _mix_for(self, rate_hz: int) -> Fill:
        mixer = CueMixer(self._cues, self._volume, self._post, self._speaking, rate_hz=rate_hz)
        with self._lock:
            self.mixer = mixer
        speaking = self._speaking

        def fill_and_keep(out: np.ndarray, start_s: float, after_gap: bool) -> None:
            mixer.fill(out, start_s)
            if speaking is not None:  # the echo canceller's reference
                speaking.audio.add(out.copy(), start_s, rate_hz, after_gap)

        return fill_and_keep

    def _lost(self, reason: str) -> None:
        """The device went (speaker thread): say so once; print what was never heard, and the rest."""
        with self._lock:
            self._is_lost = True
            unheard = self.mixer.stop(time.monotonic())
            self._fallback.notice(f"lost the speaker ({reason}): printing the cues until it is back")
            for sound in unheard:
                self._print(sound)

    def _back(self) -> None:
        """The device plays again (speaker thread): a fresh mixer is already pulling from it."""
        with self._lock:
            self._is_lost = False
            self._fallback.notice(f"the speaker ({self.device_name}) is back: speaking again")

    def _print(self, sound: Cue | Earcon) -> None:
        if isinstance(sound, Earcon):
            self._fallback.earcon(sound)
        else:
            self._fallback.say(sound)

    def say(self, cue: Cue) -> None:
        """Queue a cue under the priority policy (print it while the device is lost); returns at once."""
        with self._lock:
            if self._is_lost:
                self._print(cue)
            else:
                self.mixer.offer(cue, time.monotonic())

    def earcon(self, earcon: Earcon) -> None:
        """Queue a short tone (print its name while the device is lost); returns at once."""
        with self._lock:
            if self._is_lost:
                self._print(earcon)
            else:
                self.mixer.offer_earcon(earcon, time.monotonic())

    def set_volume(self, level: float) -> None:
        """Play at `level` from the next block on (kept for the mixer of a reopened stream too)."""
        with self._lock:
            self._volume = level
            self.mixer.set_volume(level)

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until everything queued has been played (and has left the device's buffer)."""
        deadline = time.monotonic() + timeout_s
        while not self.mixer.is_idle:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        time.sleep(self._speaker.latency_s)
        return True

    @property
    def latency_s(self) -> float:
        """How long after say() a cue is heard: the device's buffer (a pacer says ahead by this)."""
        return self._speaker.latency_s

    @property
    def underruns(self) -> int:
        """How often the device ran dry (the machine was too busy to feed it): each a short gap."""
        return self._speaker.underruns

    def close(self) -> None:
        """Stop playing at once and release the device; say if the voice had gaps."""
        self._speaker.close()
        self.mixer.stop(time.monotonic())
        if self.underruns:  # a warning on stderr, like the others: the cues' lines stay clean
            print(f"voicecoach: the speaker ran dry {self.underruns} time(s): the computer was "
                  "too busy to feed it in time, so the coach's voice had short gaps (closing "
                  "other programs helps)", file=sys.stderr)
        self._fallback.close()
