"""Progression rules: what to change next time, from what happened in a workout (pure).

The rules, applied per exercise, first match wins (README "Progression" says the same):

1. A safety stop: one rung below the easiest variation used (stay there if it is the easiest).
2. "Easier" said twice or more: the easiest variation used.
3. "Easier" said once, a set cut short, or fewer sets than planned: stay at the last variation.
4. "Harder" said and every set then done in full: begin at the last variation used.
5. Every set done in full at one variation, nothing made easier ("clean"):
   a. at the top of the ladder: one more rep per set (five seconds more for a hold);
   b. the previous workout was clean at the same variation too: the next variation;
   c. otherwise: one more rep per set (two clean workouts in a row earn the next variation).
6. Anything else (mixed variations without "harder"): stay at the last variation.

Texts are spoken, so they avoid every command word ("start", "go", "stop", "rest"...): the
coach must never say something it would hear as a command.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from voicecoach.files.language import Templates, load_language

HOLD_STEP_S = 5
"""How much longer a hold gets when a clean workout earns "more work" (like one more rep)."""


class Change(StrEnum):
    """The kind of change a suggestion asks for."""

    NEXT_VARIATION = "next_variation"
    ONE_MORE_REP = "one_more_rep"
    STAY = "stay"
    STEP_DOWN = "step_down"


@dataclass(frozen=True)
class SetResult:
    """One finished set as history saw it."""

    variation_level: int
    reps_done: int
    reps_planned: int | None
    is_completed: bool = True
    """False when the set was cut short (skipped, stopped, safety stop)."""

    @property
    def is_full(self) -> bool:
        """Done to the end with every planned rep."""
        return self.is_completed and (self.reps_planned is None or self.reps_done >= self.reps_planned)


@dataclass(frozen=True)
class ExerciseResult:
    """Everything about one exercise in one workout that the rules look at."""

    exercise: str
    ladder: tuple[str, ...]
    """Variation names, easiest first."""
    sets_planned: int
    sets: tuple[SetResult, ...]
    start_level: int = 0
    """The rung the exercise began at (the routine's `start_at`)."""
    easier: int = 0
    harder: int = 0
    safety_stops: int = 0
    is_hold: bool = False

    @property
    def levels(self) -> set[int]:
        """The rungs the sets were done at."""
        return {s.variation_level for s in self.sets}

    @property
    def is_all_full(self) -> bool:
        """Every planned set was done, each in full."""
        return len(self.sets) >= self.sets_planned and all(s.is_full for s in self.sets)

    @property
    def is_clean(self) -> bool:
        """Every set done in full at one rung, nothing made easier, no safety stop."""
        return (self.is_all_full and len(self.levels) == 1
                and self.easier == 0 and self.safety_stops == 0)


@dataclass(frozen=True)
class Suggestion:
    """A change for next time, as spoken and shown."""

    exercise: str
    kind: Change
    text: str
    variation_level: int
    """The rung to begin with next time."""


def suggest(result: ExerciseResult, previous: ExerciseResult | None = None,
            words: Templates | None = None) -> Suggestion | None:
    """The change the rules in this module's docstring call for, or None if nothing was done.

    `words`: the language file's templates the suggestion is said in (English by default).
    """
    if not result.sets:
        return None
    t = words or load_language("en").templates
    name, ladder = result.exercise, result.ladder
    last = result.sets[-1].variation_level
    lowest = min(result.levels)

    def make(kind: Change, level: int, text: str) -> Suggestion:
        return Suggestion(name, kind, t.progress.format(exercise=name, text=text), level)

    if result.safety_stops:
        if lowest == 0:
            return make(Change.STAY, 0, t.progress_hurt_stay.format(variation=ladder[0]))
        return make(Change.STEP_DOWN, lowest - 1,
                    t.progress_hurt_step_down.format(variation=ladder[lowest - 1]))
    if result.easier >= 2:
        kind = Change.STEP_DOWN if lowest < result.start_level else Change.STAY
        return make(kind, lowest, t.progress_felt_hard.format(variation=ladder[lowest]))
    if result.easier == 1 or not result.is_all_full:
        return make(Change.STAY, last, t.progress_until_solid.format(variation=ladder[last]))
    if result.harder and len(result.levels) > 1:
        return make(Change.NEXT_VARIATION, last,
                    t.progress_moved_up.format(variation=ladder[last]))
    if result.is_clean:
        more = (t.progress_hold_longer.format(n=HOLD_STEP_S) if result.is_hold
                else t.progress_one_more_rep)
        if last == len(ladder) - 1:
            return make(Change.ONE_MORE_REP, last, t.progress_clean_hardest.format(more=more))
        if previous is not None and previous.is_clean and previous.levels == {last}:
            return make(Change.NEXT_VARIATION, last + 1, t.progress_two_clean.format(
                variation=ladder[last], next=ladder[last + 1]))
        return make(Change.ONE_MORE_REP, last,
                    t.progress_clean_at.format(variation=ladder[last], more=more))
    return make(Change.STAY, last, t.progress_stay.format(variation=ladder[last]))


def suggest_all(
    results: list[ExerciseResult], previous: list[ExerciseResult] | None = None,
    words: Templates | None = None,
) -> list[Suggestion]:
    """A suggestion per exercise done, each compared with the same exercise last time."""
    before = {r.exercise: r for r in previous or []}
    suggestions = (suggest(r, before.get(r.exercise), words) for r in results)
    return [s for s in suggestions if s is not None]
