"""The workout's ending on the terminal: a rich table of what was done, and JSON for scripts."""

from __future__ import annotations

import json

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from voicecoach.history import WorkoutSummary


def clock_text(seconds: float) -> str:
    """A duration as minutes:seconds ("8:05"), as the history table shows it too."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def summary_table(summary: WorkoutSummary) -> RenderableType:
    """Per exercise: sets (and how many were cut short), reps, time under tension, the variation
    reached, easier/harder moves and safety stops; then the total time and the suggestions."""
    table = Table(title=f"{summary.routine}: workout {summary.outcome.value}",
                  title_justify="left", box=box.SIMPLE_HEAD)
    numeric = ("sets", "cut", "reps", "tension", "easier/harder", "safety")
    for column in ("exercise", *numeric[:4], "variation reached", *numeric[4:]):
        table.add_column(column, justify="right" if column in numeric else "left")
    for e in summary.exercises:
        table.add_row(e.exercise, f"{e.sets_done}/{e.sets_planned}", str(e.sets_cut_short),
                      "-" if e.is_hold else str(e.reps), clock_text(e.work_s),
                      e.variation or "-", f"{e.easier}/{e.harder}", str(e.safety_stops))
    lines: list[RenderableType] = [
        table,
        Text(f"Total time {clock_text(summary.total_s)}, under tension "
             f"{clock_text(summary.work_s)} (tension: time inside sets, pauses left out; "
             "cut: sets cut short; safety: times something hurt)."),
    ]
    lines += [Text(f"Next time: {text}") for text in summary.suggestions]
    return Group(*lines)


def print_summary(summary: WorkoutSummary, console: Console | None = None) -> None:
    """Print the table (on stdout unless another console is given)."""
    (console or Console()).print(summary_table(summary))


def summary_json(summary: WorkoutSummary) -> str:
    """The summary for scripts (`--json`): durations in seconds, as history keeps it."""
    return json.dumps(summary.to_dict(), indent=2)
