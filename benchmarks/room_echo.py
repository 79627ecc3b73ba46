"""The coach's cues as a workout hears them: played, heard back through a room, through the real
echo canceller and the real echo gate.

The plain "coach cues" stretch asks what a recognizer makes of the coach's voice fed straight in;
in a workout that voice comes back through the room while the program knows what it played and
when. This measures that path: false accepts that would really act.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.commands import Command
from voicecoach.ears import EchoGate, GatePolicy, Heard, Listener, Recognizer
from voicecoach.echo.canceller import EchoCanceller
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.sim.corpus import Clip

DELAY_S = 0.2
"""Speaker to microphone, timestamps included (PulseAudio's loop measured 0.39 s, a laptop less)."""
REFLECTIONS = ((0, 0.9), (37, 0.45), (151, -0.3), (420, 0.2), (777, -0.12), (1100, 0.08))
"""Direct sound and a few decaying reflections (taps in samples at 16 kHz: up to ~70 ms)."""
HISS_RMS = 1e-3
"""A quiet room's background (-60 dBFS)."""
BLOCK = 1600
"""100 ms blocks, as the capture delivers them."""
CLOCK_S = 1000.0
"""Monotonic time at which the track starts playing."""


@dataclass(frozen=True)
class CueTrack:
    """What the speaker plays: cues one after another, and when each one sounds."""

    played: np.ndarray
    spans_s: list[tuple[str, float, float]]
    """(text, first sound, last sound) in seconds from the start of `played`."""


def cue_track(clips: Iterable[Clip], gap_s: float = 0.7) -> CueTrack:
    """The clips end to end with `gap_s` of silence after each (like corpus.stretch)."""
    parts: list[np.ndarray] = []
    spans: list[tuple[str, float, float]] = []
    at = 0
    for clip in clips:
        loud = np.flatnonzero(np.abs(clip.samples) > np.abs(clip.samples).max() * 0.01)
        if loud.size:
            spans.append((clip.text, (at + loud[0]) / SAMPLE_RATE_HZ,
                          (at + loud[-1] + 1) / SAMPLE_RATE_HZ))
        parts += [clip.samples, np.zeros(round(gap_s * SAMPLE_RATE_HZ), dtype=np.float32)]
        at += len(clip.samples) + len(parts[-1])
    played = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return CueTrack(played.astype(np.float32), spans)


def heard_in_room(track: CueTrack, seed: int = 0) -> np.ndarray:
    """What the microphone hears while the track plays: its echo and the room's hiss."""
    response = np.zeros(max(t for t, _ in REFLECTIONS) + 1)
    for tap, gain in REFLECTIONS:
        response[tap] = gain
    delayed = np.concatenate([np.zeros(round(DELAY_S * SAMPLE_RATE_HZ)), track.played])
    echo = np.convolve(delayed, response)[: len(track.played)]
    hiss = HISS_RMS * np.random.default_rng(seed).standard_normal(len(echo))
    return np.clip(echo + hiss, -1.0, 1.0).astype(np.float32)


def hear_in_room(recognizer: Recognizer, policy: GatePolicy, track: CueTrack,
                 is_echo_handled: bool = True) -> list[Heard]:
    """Play the track and listen as `voicecoach run` does: canceller, recognizer, echo gate
    (every command allowed). Without `is_echo_handled` (the baseline) the recognizer hears the
    microphone as it is and only the confidence floor applies."""
    return [heard for heard, _ in verdicts_in_room(recognizer, policy, track, heard_in_room(track),
                                                     is_echo_handled=is_echo_handled)]


def verdicts_in_room(recognizer: Recognizer, policy: GatePolicy, track: CueTrack, mic: np.ndarray,
                     commands: Collection[Command] = tuple(Command), is_echo_handled: bool = True
                     ) -> Iterator[tuple[Heard, float]]:
    """The same with a given microphone and command set: each verdict and the monotonic time
    it was reached at (the end of the block that gave it)."""
    speaking = SpeakingSignal()
    canceller = EchoCanceller(speaking.audio) if is_echo_handled else None
    gate = EchoGate(speaking if is_echo_handled else None, policy,
                    echo_delay_s=(lambda: canceller.delay_s) if canceller is not None else None)
    listener = Listener(recognizer, gate, echo_canceller=canceller)
    listener.listen_for_commands(commands)
    pending = sorted([(start, True, text) for text, start, _ in track.spans_s]
                     + [(end, False, text) for text, _, end in track.spans_s])
    end_s = 0.0
    for at in range(0, len(mic) - BLOCK + 1, BLOCK):
        end_s = (at + BLOCK) / SAMPLE_RATE_HZ
        speaking.audio.add(track.played[at : at + BLOCK], CLOCK_S + at / SAMPLE_RATE_HZ,
                           SAMPLE_RATE_HZ)
        while pending and pending[0][0] <= end_s:
            moment_s, is_start, text = pending.pop(0)
            if is_start:
                speaking.started(text, CLOCK_S + moment_s)
            else:
                speaking.stopped(CLOCK_S + moment_s)
        for heard in listener.feed(to_pcm16(mic[at : at + BLOCK]), CLOCK_S + end_s - 1 / SAMPLE_RATE_HZ):
            yield heard, CLOCK_S + end_s
    for heard in listener.finish():
        yield heard, CLOCK_S + end_s
