"""What `voicecoach history` reports: recent sessions, totals per exercise, plot points, streaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from voicecoach.history.records import Status
from voicecoach.history.summary import WorkoutSummary


@dataclass(frozen=True)
class SessionRow:
    """One line of the recent-sessions table."""

    id: int
    routine: str
    started_at: datetime
    status: Status
    duration_s: float | None
    """The workout's own length (its clock, also for a simulation); None while unknown."""
    sets: int
    reps: int
    summary: WorkoutSummary | None = None
    """What the ending showed; None for workouts saved before summaries were kept."""


@dataclass(frozen=True)
class ExerciseTotal:
    """All-time totals for one exercise."""

    exercise: str
    sessions: int
    sets: int
    reps: int
    work_s: float
    best_variation: str
    last_done: datetime


@dataclass(frozen=True)
class PlotPoint:
    """One exercise in one session: what the progress plot draws."""

    started_at: datetime
    reps: int
    work_s: float
    """Seconds of work: what a hold exercise is measured in."""
    variation_level: int
    variation: str


@dataclass(frozen=True)
class Streaks:
    """Consecutive days with a workout."""

    current_days: int
    longest_days: int


def streaks(days: set[date], today: date) -> Streaks:
    """Current streak (alive if the last workout was today or yesterday) and the longest one."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return Streaks(current, longest)
