"""Rep arithmetic: when each phase of each rep begins, from one anchor, under any tempo."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.routine import Phase, Tempo


@dataclass
class RepPlan:
    """Phase onsets of the current set from one anchor: no drift, whatever the lateness."""

    anchor_s: float
    anchor_rep: int
    tempo: Tempo
    phases: tuple[tuple[Phase, float], ...]

    def onset_s(self, rep: int, index: int) -> float:
        """When phase `index` of `rep` begins."""
        offset = sum(seconds for _, seconds in self.phases[:index])
        return self.anchor_s + (rep - self.anchor_rep) * self.tempo.rep_s + offset

    def rebased(self, tempo: Tempo, rep: int, index: int, onset_s: float) -> RepPlan:
        """The plan under a new tempo in which phase `index` of `rep` begins at `onset_s`
        (the end of the phase under way, which keeps its length)."""
        phases = tuple((phase, tempo.seconds(phase)) for phase, _ in self.phases)
        plan = RepPlan(0.0, rep, tempo, phases)
        plan.anchor_s = onset_s - plan.onset_s(rep, index)
        return plan
