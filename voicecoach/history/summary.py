"""A workout's ending summed up: what was done per exercise, on the workout's own clock.

Pure data folded from the session's Record actions (`Tally`), so the spoken ending, the table,
`--json` and the copy kept in history are one value and cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from voicecoach.files.language import Templates
from voicecoach.history.progression import ExerciseResult, SetResult, suggest_all
from voicecoach.history.records import SET_DONE, SKIPPED, Status, locate_in_routine
from voicecoach.routine import Routine

CUT_OFF = frozenset({"stopped", SKIPPED, "safety"})
"""Record kinds that abandon the set under way (their `rep` > 0 says one was under way)."""


@dataclass(frozen=True)
class ExerciseSummary:
    """One exercise of the workout: what was done and how it moved along its ladder."""

    exercise: str
    sets_done: int
    sets_planned: int
    reps: int
    work_s: float
    """Time under tension: seconds inside sets, pauses left out."""
    variation: str | None
    """The variation of the latest set (None if no set was begun)."""
    is_hold: bool = False
    sets_cut_short: int = 0
    easier: int = 0
    harder: int = 0
    safety_stops: int = 0


@dataclass(frozen=True)
class WorkoutSummary:
    """The whole workout: its outcome, its own length, each exercise, and the advice for next time."""

    routine: str
    outcome: Status
    total_s: float
    """From "start" to the end, on the workout's own clock (simulations included)."""
    exercises: tuple[ExerciseSummary, ...]
    suggestions: tuple[str, ...] = ()

    @property
    def sets_done(self) -> int:
        """Sets begun over the whole workout (those cut short included)."""
        return sum(e.sets_done for e in self.exercises)

    @property
    def reps(self) -> int:
        """Reps over the whole workout."""
        return sum(e.reps for e in self.exercises)

    @property
    def work_s(self) -> float:
        """Time under tension over the whole workout."""
        return round(sum(e.work_s for e in self.exercises), 3)

    @property
    def safety_stops(self) -> int:
        """Times something hurt."""
        return sum(e.safety_stops for e in self.exercises)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the outcome as its string), for `--json` and history."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> WorkoutSummary:
        """Read back what `to_dict` wrote (history keeps it as JSON)."""
        return cls(
            routine=values["routine"], outcome=Status(values["outcome"]),
            total_s=float(values["total_s"]),
            exercises=tuple(ExerciseSummary(**e) for e in values["exercises"]),
            suggestions=tuple(values.get("suggestions", ())),
        )


@dataclass
class _Exercise:
    """What the tally knows of one exercise so far."""

    sets: list[SetResult] = field(default_factory=list)
    work_s: float = 0.0
    variation: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


class Tally:
    """Folds the session's Record actions into a WorkoutSummary (one per workout)."""

    def __init__(self, routine: Routine, words: Templates | None = None) -> None:
        """`words`: the templates the suggestions are said in (English by default)."""
        self._routine = routine
        self._words = words
        self._exercises = [_Exercise() for _ in routine.exercises]

    def add(self, kind: str, data: Mapping[str, object]) -> None:
        """One Record of the session; kinds that say nothing about work are ignored."""
        if "exercise" not in data:
            return
        index, level = locate_in_routine(data, self._routine)
        tally = self._exercises[index]
        variation = self._routine.exercises[index].variations[level]
        rep = data.get("reps") if kind == SET_DONE else data.get("rep")
        reps = rep if isinstance(rep, int) else 0
        is_set = kind == SET_DONE or (kind in CUT_OFF and reps > 0)
        if kind != SET_DONE:
            tally.counts[kind] = tally.counts.get(kind, 0) + 1
        if not is_set:
            return
        is_hold = variation.reps is None
        is_completed = kind == SET_DONE and not data.get("is_partial")
        tally.sets.append(SetResult(level, 0 if is_hold else reps, variation.reps, is_completed))
        work_s = data.get("work_s")
        tally.work_s += float(work_s) if isinstance(work_s, int | float) else 0.0
        tally.variation = variation.name

    def results(self) -> list[ExerciseResult]:
        """What the progression rules need, as history would read it back."""
        return [
            ExerciseResult(
                exercise=exercise.name, ladder=tuple(v.name for v in exercise.variations),
                sets_planned=exercise.sets, sets=tuple(tally.sets),
                start_level=exercise.start_index, easier=tally.counts.get("easier", 0),
                harder=tally.counts.get("harder", 0),
                safety_stops=tally.counts.get("safety", 0),
                is_hold=exercise.variations[exercise.start_index].hold_s is not None)
            for exercise, tally in zip(self._routine.exercises, self._exercises, strict=True)
        ]

    def summary(self, outcome: Status, total_s: float) -> WorkoutSummary:
        """The workout so far; suggestions from this workout alone (history may replace them
        with ones that compare against the workout before, see `with_suggestions`)."""
        results = self.results()
        exercises = tuple(
            ExerciseSummary(
                exercise=result.exercise, sets_done=len(result.sets),
                sets_planned=result.sets_planned, reps=sum(s.reps_done for s in result.sets),
                work_s=round(tally.work_s, 3), variation=tally.variation, is_hold=result.is_hold,
                sets_cut_short=sum(not s.is_completed for s in result.sets),
                easier=result.easier, harder=result.harder, safety_stops=result.safety_stops)
            for result, tally in zip(results, self._exercises, strict=True)
        )
        suggestions = tuple(s.text for s in suggest_all(results, words=self._words))
        return WorkoutSummary(self._routine.name, outcome, round(total_s, 3), exercises,
                              suggestions)


def with_suggestions(summary: WorkoutSummary, texts: list[str]) -> WorkoutSummary:
    """The summary with history's suggestions (which know the workout before this one)."""
    return replace(summary, suggestions=tuple(texts)) if texts else summary
