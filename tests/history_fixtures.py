"""A small routine and a seeded history, built through the real recorder, for history tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from voicecoach.commands import Command
from voicecoach.events import CommandHeard, Cue, Earcon, Event
from voicecoach.files import load_settings
from voicecoach.history import HistoryRecorder, Status
from voicecoach.ports import Recorder, View
from voicecoach.routine import Routine, load_routine_text
from voicecoach.session import FakePacer, Runner, Session, StartAt

ROUTINE_YAML = """\
name: Test core
exercises:
  - name: Leg lifts
    sets: 3
    rest_between_sets_s: 1
    variations:
      - {name: Bent knee, tempo: 1-0-1-0, reps: 4}
      - {name: Straight leg, tempo: 1-0-1-0, reps: 4}
      - {name: Hover, tempo: 1-1-1-0, reps: 4}
  - name: Plank
    sets: 2
    variations:
      - {name: Knee plank, hold_s: 5}
      - {name: Full plank, hold_s: 5}
"""


def make_routine() -> Routine:
    """Two exercises: leg lifts (3 sets, 3 rungs) and a plank hold (2 sets, 2 rungs)."""
    return load_routine_text(ROUTINE_YAML, "test-core.yaml")


def set_data(routine: Routine, exercise_index: int, set_index: int, level: int | None = None,
             reps_done: int | None = None, completed: bool = True) -> dict[str, object]:
    """The data of a `set_done` Record exactly as the session sends it (ids, sets from 1)."""
    exercise = routine.exercises[exercise_index]
    variation = exercise.variations[exercise.start_index if level is None else level]
    return {
        "exercise": exercise.id, "variation": variation.id, "set": set_index + 1,
        "reps": None if variation.reps is None else (
            variation.reps if reps_done is None else reps_done),
        "is_partial": not completed, "tempo": str(variation.tempo) if variation.tempo else None,
    }


class StepClock:
    """A wall clock for the store that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def seed_history(path: Path, days: int = 6, start: datetime | None = None) -> Routine:
    """`days` daily workouts of the test routine that get harder over time; returns the routine."""
    routine = make_routine()
    clock = StepClock(start or datetime(2026, 11, 1, 7, 30, tzinfo=UTC))
    for day in range(days):
        recorder, _ = HistoryRecorder.open(path, routine, "test-core.yaml", print, now=clock)
        level = min(day // 2, 2)
        for exercise_index, exercise in enumerate(routine.exercises):
            for set_index in range(exercise.sets):
                if day == 1 and exercise_index == 0 and set_index == 1:
                    recorder.heard(CommandHeard(Command.EASIER, "easier", 0.81))
                    recorder.record("easier", {"exercise": "leg-lifts",
                                               "variation": "bent-knee", "set": 2,
                                               "to": "bent-knee"})
                clock.advance(seconds=40)
                recorder.record("set_done", set_data(
                    routine, exercise_index, set_index,
                    level=min(level, len(exercise.variations) - 1)))
        recorder.close(Status.FINISHED)
        clock.advance(days=1, seconds=-40 * 5)
    return routine


class SilentVoice:
    """A Voice that says nothing: these tests look at history and the view, not at sound."""

    def say(self, cue: Cue) -> None:
        """Nothing to say."""

    def earcon(self, earcon: Earcon) -> None:
        """Nothing to play."""

    def close(self) -> None:
        """Nothing to release."""


def run_workout(routine: Routine, recorder: Recorder | None = None, view: View | None = None,
                commands: Iterable[tuple[float, Command]] = ((0.0, Command.START),),
                on_event: Callable[[Event, Session], None] | None = None,
                start: StartAt | None = None) -> str:
    """The real session and runner on a fake clock, as fast as possible; returns how it ended.

    `on_event` sees each event before the session does (the resume driver slows time with it);
    `start` is where a resumed session begins.
    """
    session = Session(routine, load_settings().settings.commands, start=start)
    pacer = FakePacer()
    runner = Runner(session, SilentVoice(), pacer, recorder=recorder, view=view)
    for at_s, command in commands:
        pacer.inject(CommandHeard(command, text=command.value), at_s)

    def deliver(event: Event) -> None:
        if on_event is not None:
            on_event(event, session)
        runner.dispatch(event)
        if runner.finish_reason is not None:
            pacer.close()

    pacer.start(deliver)
    try:
        pacer.run()
    except KeyboardInterrupt:  # what Runner.run does on Ctrl-C
        runner.dispatch(CommandHeard(Command.STOP, text="Ctrl-C"))
    runner.close()
    return runner.finish_reason or "unfinished"


def run_help() -> str:
    """`voicecoach run --help`, or "" while there is no `run` command."""
    from voicecoach.cli import build_parser

    for action in build_parser()._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict) and "run" in choices:
            return choices["run"].format_help()
    return ""


needs_run_history = pytest.mark.skipif(
    not all(flag in run_help() for flag in ("--history", "--resume", "--quiet")),
    reason="`voicecoach run` has no --history/--resume/--quiet yet (see the history report)")
"""For end-to-end tests through `voicecoach run`: they run once the CLI is wired."""
