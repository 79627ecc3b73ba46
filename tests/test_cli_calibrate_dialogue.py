"""The calibration dialogue with a scripted microphone: what the coach says after silence, noise,
a wrong word and an unsure hearing, the retry limit, a loud room, and the takes it keeps.

The voice and the recognizer are fakes behind the session's interfaces (the real ones run in
test_cli_calibrate.py); the answers' audio is real espeak-ng speech, so the takes' features are
computed as in a real session.
"""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

from voicecoach.cli import calibrate
from voicecoach.cli.calibrate import CalibrationSession
from voicecoach.commands import Command
from voicecoach.ears import Heard, Recognition
from voicecoach.errors import UsageError
from voicecoach.events import Cue, Earcon, Event, SpeechFinished
from voicecoach.files import load_settings
from voicecoach.sim.synth import synthesize

Answer = tuple[Command | None, str, str | None] | None
"""(command heard, its text, the gate's rejection) or None for silence."""


class ScriptedRoom:
    """A Voice that answers each prompt from a script, as the user and the recognizer would."""

    def __init__(self, events: queue.Queue[Event], heard: queue.Queue, answers: list[Answer]
                 ) -> None:
        self._events = events
        self._heard = heard
        self._answers = answers
        self.said: list[str] = []

    def say(self, cue: Cue) -> None:
        self.said.append(cue.text)
        if cue.text.startswith(("Say:", "Again:", "Please say")):
            answer = self._answers.pop(0)
            if answer is not None:
                command, text, rejected = answer
                samples = synthesize(text, "en-us+m3", lead_s=0.1, tail_s=0.1)
                start_s = time.monotonic() + 60  # after the prompt, whenever it ends
                recognition = Recognition(command, text, 0.9, "scripted")
                self._heard.put((start_s, Heard(recognition, start_s, start_s + 1, rejected),
                                 samples))
        self._events.put(SpeechFinished(cue.text))

    def earcon(self, earcon: Earcon) -> None:
        pass

    def set_volume(self, level: float) -> None:
        pass

    def close(self) -> None:
        pass


class Cache:
    def duration_s(self, text: str) -> float:
        return 0.1

    def prepare(self, texts: object, progress: object = None) -> int:
        return 0


@pytest.fixture(autouse=True)
def quick(monkeypatch) -> None:
    monkeypatch.setattr(calibrate, "NOISE_S", 0.05)
    monkeypatch.setattr(calibrate, "ANSWER_S", 0.2)


def session(answers: list[Answer]) -> tuple[CalibrationSession, ScriptedRoom]:
    events: queue.Queue[Event] = queue.Queue()
    heard: queue.Queue = queue.Queue()
    room = ScriptedRoom(events, heard, answers)
    return CalibrationSession(load_settings().settings, room, Cache(), events, heard,
                              is_printed=False), room


def test_silence_noise_and_a_wrong_word_are_said_and_asked_again_then_left_for_later(
        capsys) -> None:
    run, room = session([None, (None, "banana", "not a command"), (Command.SKIP, "skip", None)])
    with pytest.raises(UsageError, match="calibration heard none of the commands"):
        run.run([Command.PAUSE], None)
    answers = room.said[room.said.index("Say: pause, or wait."):]
    assert answers == [
        "Say: pause, or wait.", "I heard nothing.",
        "Please say pause.", "I heard banana, which is not a command.",
        "Please say pause.", "I heard skip. That means skip, not pause.",
        "Let's leave pause for later."]
    out = capsys.readouterr().out
    assert "not taken: silence" in out and "not taken: wrong command: 'skip' is skip" in out


def test_an_unsure_hearing_is_asked_again_and_the_takes_are_kept() -> None:
    run, room = session([(Command.PAUSE, "pause", None),
                         (Command.PAUSE, "pause", "confidence 0.41 < 0.60"),
                         (Command.PAUSE, "wait", None)])
    profile = run.run([Command.PAUSE], None)
    assert "I was not sure I heard pause." in room.said
    assert [t.text for t in profile.commands[Command.PAUSE].takes] == ["pause", "wait"]
    assert profile.noise_floor_db == calibrate.SILENCE_DBFS  # no microphone blocks came


def test_a_loud_room_is_said_with_its_level(capsys) -> None:
    run, room = session([(Command.PAUSE, "pause", None), (Command.PAUSE, "pause", None)])
    noise = (np.random.default_rng(0).normal(0, 0.05, 1600) * 32767).astype("<i2").tobytes()
    run.start_microphone = lambda: feeding(run, noise)
    run.run([Command.PAUSE], None)
    run.close()
    assert any(text.startswith("Your room is loud: noise at -26 decibels") for text in room.said)
    assert "room noise -26 dBFS is above -40 dBFS: too loud for reliable commands" in \
        capsys.readouterr().out


def feeding(run: CalibrationSession, block: bytes):
    """A 'microphone' that delivers blocks while the session measures the room."""
    stop = threading.Event()

    def pump() -> None:
        while not stop.wait(0.01):
            run.on_block(block)

    threading.Thread(target=pump, daemon=True).start()

    class Capture:
        def close(self) -> None:
            stop.set()

    return Capture()
