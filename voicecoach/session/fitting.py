"""Fitting cues into phases: how long a cue takes, which variant still fits, when form cues are due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from voicecoach.events import CUE_GAP_S, Cue, CueKind
from voicecoach.files import Verbosity
from voicecoach.ports import CueTimer

MARGIN_S = 0.1
"""Cues must end this long before the next scheduled moment, so the next count is on time."""


@dataclass(frozen=True)
class EstimatedCueTimer:
    """A CueTimer from the speaking rate, for cues never rendered (and for simulations)."""

    rate_wpm: float = 165.0

    def duration_s(self, text: str) -> float:
        """Words at the speaking rate plus a breath at each punctuation mark."""
        words = len(text.split())
        pauses = sum(text.count(mark) for mark in ",.;:!?")
        return round(0.1 + words * 60.0 / self.rate_wpm + 0.15 * pauses, 3)


def speech_s(texts: Sequence[str], timer: CueTimer) -> float:
    """How long a burst of cues takes said back to back."""
    durations = [timer.duration_s(t) for t in texts]
    return sum(durations) + CUE_GAP_S * max(0, len(durations) - 1)


# ---- pools, verbosity and fitting -----------------------------------------------------------


@dataclass
class Rotation:
    """Rotates each cue pool so the same reminder is not said twice in a row."""

    _next: dict[tuple[str, ...], int] = field(default_factory=dict)

    def order(self, pool: tuple[str, ...]) -> tuple[str, ...]:
        """The pool's alternatives starting from the one due next."""
        start = self._next.get(pool, 0) % len(pool)
        return pool[start:] + pool[:start]

    def used(self, pool: tuple[str, ...], text: str) -> None:
        """Move the pool on past `text`."""
        self._next[pool] = pool.index(text) + 1


def is_form_due(verbosity: Verbosity, rep: int, every_reps: int) -> bool:
    """Whether a rep gets a form cue: never (minimal), every N reps (normal), every rep (chatty)."""
    if verbosity is Verbosity.MINIMAL:
        return False
    return verbosity is Verbosity.CHATTY or rep % every_reps == 0


@dataclass(frozen=True)
class Planned:
    """A cue the engine would like to say: a pool of variants, and whether it may be dropped."""

    pool: tuple[str, ...]
    kind: CueKind
    is_required: bool = False
    rotates: bool = True
    """False for pools whose order is a preference (longest first), not a rotation."""


def fit(planned: Sequence[Planned], budget_s: float, timer: CueTimer,
        rotation: Rotation) -> list[Cue]:
    """The cues to say, in order, ending within `budget_s`: required ones always, then each
    optional one in its first variant that still fits, else dropped."""
    chosen: dict[int, str] = {}
    used_s = -CUE_GAP_S
    ranked = sorted(range(len(planned)), key=lambda i: not planned[i].is_required)
    for i in ranked:
        item = planned[i]
        if not item.pool:
            continue
        variants = rotation.order(item.pool) if item.rotates else item.pool
        lengths = [timer.duration_s(v) + CUE_GAP_S for v in variants]
        fitting = [k for k, length in enumerate(lengths) if used_s + length <= budget_s]
        if fitting:
            k = fitting[0]
        elif item.is_required:
            k = min(range(len(variants)), key=lengths.__getitem__)
        else:
            continue
        chosen[i] = variants[k]
        used_s += lengths[k]
    cues = []
    for i in sorted(chosen):
        if planned[i].rotates:
            rotation.used(planned[i].pool, chosen[i])
        cues.append(Cue(chosen[i], planned[i].kind))
    return cues
