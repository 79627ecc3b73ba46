"""The runner's loop on fake and real clocks, typed commands, printed cues, and `voicecoach run`."""

from __future__ import annotations

import io
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping

import pytest

from voicecoach.commands import Command
from voicecoach.ears import TypedCommands, parse_typed_command
from voicecoach.events import (
    CommandHeard,
    Cue,
    CueKind,
    Earcon,
    Event,
    Snapshot,
    SpeechFinished,
    SpeechStarted,
)
from voicecoach.files import load_settings
from voicecoach.ports import Post
from voicecoach.routine import load_routine_text
from voicecoach.session import FakePacer, Runner, SchedulerPacer, Session
from voicecoach.states import State
from voicecoach.voice import PrintedVoice

pytestmark = pytest.mark.realtime  # a workout on the real clock

PHRASES = load_settings().settings.commands

TINY = """
name: Tiny
count_in_s: 0
exercises:
  - name: Leg lifts
    sets: 1
    variations:
      - {name: Quick lifts, tempo: 0.2-0-0.2-0, start_phase: lift, reps: 2}
"""


class QuickTimer:
    def duration_s(self, text: str) -> float:
        return 0.01


class Voice:
    """Says instantly, and posts SpeechFinished like a player (after `delay_s`, on a thread)."""

    def __init__(self, post: Post | None = None, delay_s: float = 0.0) -> None:
        self.said: list[str] = []
        self.earcons: list[Earcon] = []
        self.volumes: list[float] = []
        self.is_closed = False
        self.closed_at_s: float | None = None
        self.finished_at_s: dict[str, float] = {}
        self._post = post
        self._delay_s = delay_s

    def say(self, cue: Cue) -> None:
        self.said.append(cue.text)
        if self._post is not None:
            threading.Timer(self._delay_s, self._finish, (cue.text,)).start()

    def _finish(self, text: str) -> None:
        self.finished_at_s[text] = time.monotonic()
        assert self._post is not None
        self._post(SpeechFinished(text))

    def earcon(self, earcon: Earcon) -> None:
        self.earcons.append(earcon)

    def set_volume(self, level: float) -> None:
        self.volumes.append(level)

    def close(self) -> None:
        self.is_closed = True
        self.closed_at_s = time.monotonic()


class Ears:
    """Posts a script of commands when started; remembers what it was told to listen for."""

    def __init__(self, script: tuple[Command, ...] = ()) -> None:
        self.script = script
        self.states: list[State] = []
        self.is_closed = False

    def start(self, post: Post) -> None:
        for command in self.script:
            post(CommandHeard(command))

    def listen_for(self, state: State) -> None:
        self.states.append(state)

    def close(self) -> None:
        self.is_closed = True


class Recorder:
    def __init__(self) -> None:
        self.kinds: list[str] = []

    def record(self, kind: str, data: Mapping[str, object]) -> None:
        self.kinds.append(kind)

    def heard(self, event: CommandHeard) -> None:
        self.kinds.append(f"heard {event.command.value}")


class View:
    def __init__(self, interrupt_on: str | None = None) -> None:
        self.snapshots: list[Snapshot] = []
        self.heard_commands: list[Command] = []
        self.interrupt_on = interrupt_on

    def update(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)
        if self.interrupt_on is not None and snapshot.detail == self.interrupt_on:
            self.interrupt_on = None
            raise KeyboardInterrupt

    def heard(self, event: CommandHeard) -> None:
        self.heard_commands.append(event.command)


def session() -> Session:
    return Session(load_routine_text(TINY), PHRASES, cue_timer=QuickTimer())


def test_dispatch_carries_out_every_kind_of_action_on_a_fake_clock() -> None:
    voice, ears, recorder, view, pacer = Voice(), Ears(), Recorder(), View(), FakePacer()
    runner = Runner(session(), voice, pacer, ears=ears, recorder=recorder, view=view)
    pacer.start(runner.dispatch)
    runner.dispatch(CommandHeard(Command.START))
    assert ears.states == [State.COUNT_IN]
    assert voice.said[0] == "Get in position."
    pacer.run()
    assert runner.finish_reason == "finished"
    assert voice.said[-2:] == ["Workout complete. Great job.",
                               "In all: one set, two reps, in four seconds."]
    assert voice.earcons == [Earcon.SET_DONE]
    assert recorder.kinds == ["heard start", "started", "set_done", "finished"]
    assert view.heard_commands == [Command.START]
    assert ears.states == [State.COUNT_IN, State.WORKING, State.FINISHED]
    assert [(s.rep, s.phase) for s in view.snapshots if s.event == "phase"] == [
        (1, "lower"), (2, "lift"), (2, "lower")]


@pytest.mark.slow
def test_a_volume_command_reaches_the_voice_before_its_tone() -> None:
    voice, view = Voice(), View()
    runner = Runner(session(), voice, FakePacer(), view=view)
    runner.dispatch(CommandHeard(Command.QUIETER))
    assert voice.volumes == [pytest.approx(10 ** (-3 / 20))]  # one 3 dB step below full scale
    assert voice.earcons == [Earcon.VOLUME]  # played after set_volume: at the new level
    assert view.snapshots[-1].volume == voice.volumes[0]
    assert voice.said == [] and runner.session.state is State.READY


def test_a_whole_workout_on_the_real_clock_with_apscheduler() -> None:
    inbox: queue.Queue[Event] = queue.Queue()
    voice, ears = Voice(inbox.put), Ears((Command.START,))
    runner = Runner(session(), voice, SchedulerPacer(), ears=ears, inbox=inbox)
    started = time.monotonic()
    assert runner.run() == "finished"
    elapsed_s = time.monotonic() - started
    assert 3.0 < elapsed_s < 10.0  # count-in countdown (3 s) + two 0.4 s reps
    assert [t for t in voice.said if t in ("one", "two", "three")] == [
        "three", "two", "one", "two"]  # after the countdown's "one", the first movement
    assert voice.is_closed and ears.is_closed


def test_run_ends_on_finish_and_closes_everything() -> None:
    inbox: queue.Queue[Event] = queue.Queue()
    voice, ears = Voice(inbox.put), Ears((Command.START, Command.STOP))
    runner = Runner(session(), voice, SchedulerPacer(), ears=ears, inbox=inbox)
    assert runner.run() == "stopped"
    assert voice.said[-1] == "Workout ended. Well done."
    assert voice.is_closed and ears.is_closed


def test_closing_waits_for_the_goodbye_to_be_spoken() -> None:
    inbox: queue.Queue[Event] = queue.Queue()
    voice, ears = Voice(inbox.put, delay_s=0.5), Ears((Command.START, Command.STOP))
    runner = Runner(session(), voice, SchedulerPacer(), ears=ears, inbox=inbox)
    assert runner.run() == "stopped"
    goodbye = voice.said[-1]
    assert voice.closed_at_s is not None and goodbye in voice.finished_at_s
    assert voice.closed_at_s >= voice.finished_at_s[goodbye]


def test_ctrl_c_stops_the_workout_cleanly() -> None:
    inbox: queue.Queue[Event] = queue.Queue()
    voice, ears, recorder = Voice(inbox.put), Ears((Command.START,)), Recorder()
    runner = Runner(session(), voice, SchedulerPacer(), ears=ears, recorder=recorder,
                    view=View(interrupt_on="start"), inbox=inbox)
    assert runner.run() == "stopped"
    assert recorder.kinds[-1] == "stopped"
    assert voice.is_closed and ears.is_closed


def test_typed_commands_accept_phrases_and_names_and_explain_the_rest() -> None:
    errors = io.StringIO()
    ears = TypedCommands(PHRASES, io.StringIO("Let's go!\n\nbogus\nhow_many_left\n"), errors)
    got: list[Event] = []
    ears.start(got.append)
    ears._thread.join(timeout=5)  # type: ignore[union-attr]
    assert [e.command for e in got] == [Command.START, Command.HOW_MANY_LEFT]  # type: ignore[attr-defined]
    assert errors.getvalue().startswith("not a command: 'bogus'; try: start, pause")


@pytest.mark.parametrize(("text", "command"), [
    ("What's next?", Command.WHATS_NEXT), ("whats_next", Command.WHATS_NEXT),
    ("how many left", Command.HOW_MANY_LEFT), ("jump", None),
])
def test_parse_typed_command(text: str, command: Command | None) -> None:
    assert parse_typed_command(text, PHRASES) is command


def test_printed_voice_prints_with_times_and_reports_speech() -> None:
    out, posted = io.StringIO(), []
    clock = iter([10.0, 12.5, 13.0]).__next__
    voice = PrintedVoice(posted.append, out, clock)
    voice.say(Cue("End the set now.", CueKind.SAFETY))
    voice.earcon(Earcon.SET_DONE)
    assert out.getvalue().splitlines() == ["[    2.5 s] ! End the set now.",
                                           "[    3.0 s]   (set done)"]
    assert posted == [SpeechStarted("End the set now."), SpeechFinished("End the set now.")]


def test_voicecoach_run_takes_typed_commands_and_prints_cues() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "leg-lifts", "--keyboard"],
        input="start\nhow many left\nstop\n", capture_output=True, text=True, timeout=60,
        check=False)
    assert result.returncode == 0, result.stderr
    assert "Get in position." in result.stdout
    assert "Workout ended. Well done." in result.stdout
    notes = [line for line in result.stderr.splitlines() if "type commands" in line]
    assert len(notes) == 1 and "--keyboard" in notes[0]
    assert sum("cues will be printed" in line for line in result.stderr.splitlines()) == 1
