"""The coach's volume as "louder" and "quieter" move it: whole steps of a few dB below full scale."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

QUIETEST_DB = -30.0
"""No quieter than this by voice: a coach turned down to silence could not be heard again."""


def level_db(level: float) -> float:
    """A linear gain in decibels (full scale = 0 dB; silence = -inf)."""
    return 20 * math.log10(level) if level > 0 else -math.inf


@dataclass(frozen=True)
class Volume:
    """A linear gain (0..1) on the coach's samples, moved by voice on a grid of `step_db` steps.

    The grid is full scale, then one step quieter each time, down to QUIETEST_DB. A level off the
    grid (`[voice] volume = 0.9`) moves to the nearest grid point at least half a step away in
    the asked direction: every step is heard, and "louder" then "quieter" come back to the grid.
    """

    level: float = 1.0
    step_db: float = 3.0

    def stepped(self, steps: int) -> Volume:
        """`steps` grid points louder (negative: quieter); unchanged at either end of the grid."""
        lowest = math.floor(-QUIETEST_DB / self.step_db + 1e-9)
        # How many steps under full scale we are now; silence counts as one under the lowest.
        below = min(-level_db(self.level) / self.step_db, lowest + 1)
        target = (max(math.floor(below - 0.5) - steps + 1, 0) if steps > 0
                  else min(math.ceil(below + 0.5) - steps - 1, lowest))
        if (target - below) * steps >= 0:  # no move the asked way: at an end of the grid
            return self
        return replace(self, level=10 ** (-target * self.step_db / 20))
