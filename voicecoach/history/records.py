"""What history keeps: the kinds of records, a session's status, a finished set, and where to resume."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from voicecoach.errors import HistoryError
from voicecoach.routine import Routine, Tempo

SET_DONE = "set_done"
"""The Record kind of a finished (or cut short) set: the one that becomes a `sets` row."""

COMMAND = "command"
"""The kind the recorder saves each command heard under."""

SKIPPED = "skipped"
"""The Record kind of "skip": the rest of that exercise is left out, also when resuming."""

LADDER_MOVES: Mapping[str, str] = {"easier": "to", "harder": "to", "safety": "gentler"}
"""Record kinds that move an exercise along its ladder -> the data key naming the new rung."""

COUNTED_EVENTS: Mapping[str, str] = {
    "commands": COMMAND,
    "easier": "easier",
    "harder": "harder",
    "pauses": "paused",
    "safety_stops": "safety",
}
"""Per-set counter column -> the event kind it counts (Record kinds of the session, and
`command`, which the recorder writes for every command heard)."""


class Status(StrEnum):
    """How a session ended; `running` after a crash, since nothing got to say otherwise."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"
    """Ctrl-C or a termination signal."""
    STOPPED = "stopped"
    """The user said "stop"."""
    FINISHED = "finished"


RESUMABLE = frozenset({Status.RUNNING, Status.INTERRUPTED, Status.STOPPED})

SESSION_ENDS: Mapping[str, Status] = {"finished": Status.FINISHED, "stopped": Status.STOPPED}
"""Record kinds that end the session, and the status each leaves."""


@dataclass(frozen=True)
class SetRecord:
    """One finished (or cut short) set: a row of the `sets` table."""

    exercise_index: int
    exercise: str
    set_index: int
    variation: str
    variation_id: str
    variation_level: int
    tempo: str = ""
    reps_planned: int | None = None
    reps_done: int = 0
    hold_s: float | None = None
    duration_s: float = 0.0
    is_completed: bool = True

    @classmethod
    def from_session(cls, data: Mapping[str, object], routine: Routine) -> SetRecord:
        """Read the session's `set_done` Record (ids, 1-based set) against its routine."""
        exercise_index, level = locate_in_routine(data, routine)
        exercise = routine.exercises[exercise_index]
        variation = exercise.variations[level]
        reps = data.get("reps")
        tempo = str(data.get("tempo") or "")
        reps_done = reps if isinstance(reps, int) else 0
        # Reps are paced by the tempo, so reps x rep time is the work done (pauses excluded).
        duration_s = (Tempo.parse(tempo).rep_s * reps_done if tempo
                      else variation.work_s)
        return cls(
            exercise_index=exercise_index, exercise=exercise.name,
            set_index=set_index_of(data),
            variation=variation.name, variation_id=variation.id, variation_level=level,
            tempo=tempo, reps_planned=variation.reps, reps_done=reps_done,
            hold_s=variation.hold_s, duration_s=duration_s,
            is_completed=not data.get("is_partial", False),
        )


def locate_in_routine(data: Mapping[str, object], routine: Routine) -> tuple[int, int]:
    """(exercise index, ladder level) of a Record's `exercise` and `variation` ids."""
    for index, exercise in enumerate(routine.exercises):
        if exercise.id == data.get("exercise"):
            for level, variation in enumerate(exercise.variations):
                if variation.id == data.get("variation"):
                    return index, level
            return index, exercise.start_index
    raise HistoryError(f"a record names exercise {data.get('exercise')!r}, which routine "
                       f"{routine.name!r} does not have")


def set_index_of(data: Mapping[str, object]) -> int:
    """The 0-based set index of a Record (the session counts sets from 1)."""
    number = data.get("set")
    if not isinstance(number, int) or number < 1:
        raise HistoryError(f"a record has set = {number!r}; expected a set number from 1")
    return number - 1


@dataclass(frozen=True)
class ResumePoint:
    """Where an unfinished workout continues: the set after the last one saved."""

    session_id: int
    exercise_index: int
    set_index: int
    """0-based; the session's set number is one more."""
    variation_id: str | None
    """The rung the exercise was last at (set, easier, harder, safety), or None: its start."""
    sets_done: int

    @property
    def set_number(self) -> int:
        """The set as the session and the user count it, from 1."""
        return self.set_index + 1

    def describe(self, routine: Routine) -> str:
        """The line shown before resuming, e.g. "Resuming Leg lifts, set 2 of 3."."""
        exercise = routine.exercises[self.exercise_index]
        return f"Resuming {exercise.name}, set {self.set_number} of {exercise.sets}."


def next_set(routine: Routine, exercise_index: int, set_index: int) -> tuple[int, int]:
    """The (exercise, set) position after a set; past the last exercise when it was the last."""
    if set_index + 1 < routine.exercises[exercise_index].sets:
        return exercise_index, set_index + 1
    return exercise_index + 1, 0
