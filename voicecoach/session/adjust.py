"""The difficulty ladder's far ends: how far harder/easier and slower/faster scale an exercise."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.session import wording

TEMPO_STEP = 1.25
"""Slower multiplies every later phase by this; faster divides by it."""

TEMPO_RANGE = (0.5, 2.0)
"""How far slower/faster may scale a routine's tempo."""

HOLD_STEP = 1.25
"""At the end of a hold ladder, harder/easier lengthen/shorten later holds by this factor."""

HOLD_RANGE = (0.5, wording.MAX_HOLD_FACTOR)
"""How far harder/easier may scale a routine's hold time."""

FEWER_REPS = 2
"""At the bottom of a rep ladder, easier takes this many reps off the set."""


@dataclass
class ExerciseAdjust:
    """Commands that change the current exercise from its routine values."""

    tempo_factor: float = 1.0
    reps_delta: int = 0
    hold_factor: float = 1.0

    def hold_factor_after(self, step: int) -> float | None:
        """The hold factor one ladder step beyond the end (+1 harder, -1 easier); None if out of range."""
        factor = round(self.hold_factor * HOLD_STEP ** step, 6)
        return factor if _is_within(factor, HOLD_RANGE) else None

    def tempo_factor_after(self, factor: float) -> float | None:
        """The tempo factor after scaling every phase by `factor`; None if out of range."""
        new_factor = round(self.tempo_factor * factor, 6)
        return new_factor if _is_within(new_factor, TEMPO_RANGE) else None


def _is_within(factor: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] - 1e-9 <= factor <= bounds[1] + 1e-9
