"""Pacing on the real clock: how late each phase onset is handled with APScheduler, and drift.

Runs a leg-lift workout of about `--minutes` at real speed through the real runner, session
and SchedulerPacer (cues go to a silent voice), and compares every phase onset with the plan
the same routine has on the fake clock. Also times a 45-minute simulation. Prints markdown.

    python benchmarks/pacing.py --minutes 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

from voicecoach.commands import Command
from voicecoach.events import CommandHeard, Cue, Earcon, Snapshot
from voicecoach.files import load_settings
from voicecoach.routine import Routine, load_routine_text
from voicecoach.session import EstimatedCueTimer, Runner, SchedulerPacer, Session
from voicecoach.sim import SimulationParams, simulate
from voicecoach.states import State

TEMPO = "4-0-2-0"
REP_S = 6.0
SETS = 3


def routine_of(minutes: float) -> Routine:
    """Leg lifts, three sets with 20 s rests, reps chosen to last about `minutes`."""
    work_s = minutes * 60 - 5 - 2 * 20
    reps = max(1, round(work_s / SETS / REP_S))
    return load_routine_text(f"""
name: Pacing benchmark
count_in_s: 5
exercises:
  - name: Leg lifts
    sets: {SETS}
    rest_between_sets_s: 20
    variations:
      - name: Straight-leg lifts
        tempo: {TEMPO}
        start_phase: lift
        reps: {reps}
""", "<benchmark>")


class SilentVoice:
    """Says nothing: the benchmark measures the clock, not the speaker."""

    def say(self, cue: Cue) -> None:
        """Drop the cue."""

    def earcon(self, earcon: Earcon) -> None:
        """Drop the tone."""

    def close(self) -> None:
        """Nothing to release."""


@dataclass
class OnsetLog:
    """A View that keeps (planned, handled) times of every phase onset."""

    onsets: list[tuple[float, float]]
    start_s: float | None = None
    """When "start" was handled: the plan's zero."""

    def update(self, snapshot: Snapshot) -> None:
        """A phase onset is handled at snapshot.time_s; it was planned at phase_start_s."""
        if self.start_s is None:
            self.start_s = snapshot.time_s
        if snapshot.state is State.WORKING and snapshot.event in ("phase", "end") and (
                snapshot.phase_start_s is not None):
            self.onsets.append((snapshot.phase_start_s, snapshot.time_s))

    def heard(self, event: CommandHeard) -> None:
        """Commands are not timed here."""


def planned_onsets(routine: Routine, params: SimulationParams) -> list[float]:
    """Phase onset times of the routine on the fake clock (the plan)."""
    timeline = simulate(routine, params, [(0.0, Command.START)])
    starts = []
    for record in timeline:
        if record.state == "working" and record.event in ("phase", "end") and record.phase:
            starts.append(record.time_s)
    return starts


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> None:
    """Run the workout at real speed and print the lateness table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="workout length (default 5)")
    args = parser.parse_args()

    settings = load_settings().settings
    params = SimulationParams.from_settings(settings)
    routine = routine_of(args.minutes)
    plan = planned_onsets(routine, params)

    session = Session(routine, settings.commands, params.verbosity,
                      EstimatedCueTimer(params.rate_wpm))
    log = OnsetLog([])
    pacer = SchedulerPacer()
    runner = Runner(session, SilentVoice(), pacer, view=log)
    started = time.perf_counter()
    runner.post(CommandHeard(Command.START, text="benchmark"))
    reason = runner.run()
    wall_s = time.perf_counter() - started

    if len(log.onsets) != len(plan) or log.start_s is None:
        raise SystemExit(f"saw {len(log.onsets)} phase onsets, the plan has {len(plan)}")
    lateness_ms = [(handled - planned) * 1000 for planned, handled in log.onsets]
    # Against the plan made on the fake clock, anchored at the moment "start" was handled.
    drift_ms = [(real - log.start_s - ideal) * 1000
                for (real, _), ideal in zip(log.onsets, plan, strict=True)]
    end_drift_ms = (log.onsets[-1][1] - log.start_s - plan[-1]) * 1000

    long_routine = routine_of(45)
    sim_started = time.perf_counter()
    long_timeline = simulate(long_routine, params)
    sim_s = time.perf_counter() - sim_started
    finish = next(r for r in reversed(long_timeline) if r.event == "finish")

    print(f"## Pacing on the real clock ({args.minutes:g}-minute workout, {reason}, "
          f"{wall_s:.1f} s wall, {len(lateness_ms)} phase onsets)\n")
    print("| measure | median | p95 | max |")
    print("|---|---:|---:|---:|")
    print(f"| onset handled late by (ms) | {statistics.median(lateness_ms):.2f} | "
          f"{percentile(lateness_ms, 0.95):.2f} | {max(lateness_ms):.2f} |")
    print(f"| planned onset vs fake-clock plan (ms) | {statistics.median(drift_ms):.3f} | "
          f"{percentile([abs(d) for d in drift_ms], 0.95):.3f} | "
          f"{max(abs(d) for d in drift_ms):.3f} |")
    print(f"| drift at the end: last onset handled vs plan (ms) | | | {end_drift_ms:.2f} |")
    print(f"\n45-minute routine simulated in {sim_s * 1000:.0f} ms "
          f"({finish.time_s / 60:.1f} simulated minutes, {len(long_timeline)} timeline records).")
    print("\nTargets: p95 < 5 ms, max < 20 ms, drift < 5 ms.")


if __name__ == "__main__":
    main()
