"""Tempo notation `lower-bottom-lift-top` (seconds, `X` = explosive) and the phase order of a rep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

EXPLOSIVE_S = 1.0
"""How long an `X` (explosive) phase is paced: fast, but long enough to say one count."""

MAX_PHASE_S = 60.0
"""Longer than this is a typo, not a tempo: even a slow eccentric is rarely over 10 s."""


class Phase(StrEnum):
    """The four phases of a rep, named as users write them in routines."""

    LOWER = "lower"
    BOTTOM = "bottom"
    LIFT = "lift"
    TOP = "top"


PHASE_CYCLE: tuple[Phase, ...] = (Phase.LOWER, Phase.BOTTOM, Phase.LIFT, Phase.TOP)
"""The order of the four numbers in tempo notation, which is also the order phases follow."""

_PART = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)|([xX]))\s*$")
_NEGATIVE = re.compile(r"(?:^|-)\s*-\s*\d")
"""`-4-0-2-0` or `4--2-2-0`: a minus sign where a number should start."""


class TempoError(ValueError):
    """A tempo string that cannot be paced; the message says what to write instead."""


@dataclass(frozen=True)
class Tempo:
    """Seconds for each phase, in tempo-notation order."""

    lower_s: float
    bottom_s: float
    lift_s: float
    top_s: float

    @classmethod
    def parse(cls, text: str) -> Tempo:
        """Read `4-0-2-0` style notation; raises TempoError with a fix for anything else."""
        if _NEGATIVE.search(str(text)):
            raise TempoError("a phase cannot be negative; write seconds of 0 or more, e.g. 4-0-2-0")
        parts = str(text).split("-")
        if len(parts) != 4:
            raise TempoError(
                "tempo needs four numbers lower-bottom-lift-top, e.g. 4-0-2-0"
            )
        seconds: list[float] = []
        for part in parts:
            match = _PART.match(part)
            if not match:
                raise TempoError(
                    f"tempo part {part.strip()!r} is not a number of seconds or X; "
                    "write e.g. 4-0-2-0 (X = explosive)"
                )
            # Paced to the millisecond, so that printing the tempo gives back the same tempo.
            value = EXPLOSIVE_S if match.group(2) else round(float(match.group(1)), 3)
            if value > MAX_PHASE_S:
                raise TempoError(f"a phase of {value:g} s is too long; use at most {MAX_PHASE_S:g} s")
            seconds.append(value)
        if sum(seconds) <= 0:
            raise TempoError("a rep cannot take 0 seconds; give lowering or lifting some time")
        return cls(*seconds)

    def seconds(self, phase: Phase) -> float:
        """The duration of one phase."""
        return {
            Phase.LOWER: self.lower_s,
            Phase.BOTTOM: self.bottom_s,
            Phase.LIFT: self.lift_s,
            Phase.TOP: self.top_s,
        }[phase]

    @property
    def rep_s(self) -> float:
        """Seconds for one whole rep."""
        return self.lower_s + self.bottom_s + self.lift_s + self.top_s

    def phases_from(self, start: Phase) -> list[tuple[Phase, float]]:
        """One rep's phases in order from `start`, skipping phases of zero length."""
        first = PHASE_CYCLE.index(start)
        ordered = PHASE_CYCLE[first:] + PHASE_CYCLE[:first]
        return [(phase, self.seconds(phase)) for phase in ordered if self.seconds(phase) > 0]

    def scaled(self, factor: float) -> Tempo:
        """The same tempo, every phase multiplied by `factor` (slower > 1 > faster)."""
        return Tempo(*(round(s * factor, 3) for s in (self.lower_s, self.bottom_s, self.lift_s, self.top_s)))

    def __str__(self) -> str:
        return "-".join(f"{s:.3f}".rstrip("0").rstrip(".")
                        for s in (self.lower_s, self.bottom_s, self.lift_s, self.top_s))
