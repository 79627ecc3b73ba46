"""`voicecoach history`: recent workouts, totals, streaks, a progress plot, or JSON for scripts."""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from voicecoach.errors import HistoryError, UsageError
from voicecoach.history import (
    ExerciseTotal,
    HistoryStore,
    PlotPoint,
    SessionRow,
    Streaks,
    default_history_file,
    streaks,
)
from voicecoach.views import clock_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_DATE_LABELS = 12
"""More workouts than this get every n-th one labelled, so the dates stay readable."""

DESCRIPTION = """\
Show your saved workouts: the latest sessions, totals per exercise and your streak of
consecutive days. Every set is saved as it ends (see `voicecoach run --resume`).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `history` command."""
    parser = subparsers.add_parser(
        "history", help="recent workouts, totals, streaks and a progress plot",
        description=DESCRIPTION,
    )
    parser.add_argument("--history", type=Path, metavar="FILE",
                        help=f"history database (default: {default_history_file()})")
    parser.add_argument("--limit", type=int, default=10, metavar="N",
                        help="how many recent sessions to list (default 10)")
    parser.add_argument("--plot", type=Path, metavar="FILE.png",
                        help="also draw reps and variation level per exercise over time")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(func=run_history)


def run_history(args: argparse.Namespace) -> int:
    """Print the history (and draw the plot); an empty or missing file is not an error."""
    if args.limit < 1:
        raise UsageError(f"--limit must be 1 or more (got {args.limit})")
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        raise UsageError(f"--plot writes a PNG image: give a name ending in .png (got {args.plot})")
    path: Path = args.history or default_history_file()
    if not path.exists():
        if args.plot is not None:
            raise HistoryError(f"no history at {path} to plot yet; finish a set with "
                               "`voicecoach run` first, or give --history FILE")
        if args.json:
            print(Report(path, [], [], Streaks(0, 0)).to_json())
        else:
            print(f"No workouts saved yet ({path}). Run one with `voicecoach run ROUTINE`.")
        return 0
    store = HistoryStore.open(path)
    try:
        report = Report(path, store.recent_sessions(args.limit), store.exercise_totals(),
                        streaks(store.workout_days(), date.today()))
        if args.plot is not None:
            draw_plot(store.plot_series(), args.plot)
    finally:
        store.close()
    if args.json:
        print(report.to_json())
    else:
        _print_tables(report)
    if args.plot is not None:
        print(f"Progress plot written to {args.plot}")
    return 0


@dataclass(frozen=True)
class Report:
    """Everything `history` prints, in one value so tables and JSON cannot disagree."""

    file: Path
    sessions: list[SessionRow]
    totals: list[ExerciseTotal]
    streaks: Streaks

    def to_json(self) -> str:
        """The report for scripts: times as ISO 8601, durations in seconds."""
        return json.dumps(dataclasses.asdict(self), indent=2, default=_json_value)


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _duration(seconds: float | None) -> str:
    return "-" if seconds is None else clock_text(seconds)


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%a %d %b %Y %H:%M")


def _print_tables(report: Report) -> None:
    console = Console()
    sessions = Table(title="Recent workouts", title_justify="left")
    for column in ("when", "routine", "status", "time", "sets", "reps"):
        sessions.add_column(column, justify="right" if column in ("time", "sets", "reps")
                            else "left")
    for s in report.sessions:
        sessions.add_row(_when(s.started_at), s.routine, s.status.value, _duration(s.duration_s),
                         str(s.sets), str(s.reps))
    totals = Table(title="Totals per exercise", title_justify="left")
    numeric = ("workouts", "sets", "reps", "time")
    for column in ("exercise", *numeric, "hardest variation", "last done"):
        totals.add_column(column, justify="right" if column in numeric else "left")
    for t in report.totals:
        totals.add_row(t.exercise, str(t.sessions), str(t.sets), str(t.reps),
                       _duration(t.work_s), t.best_variation, _when(t.last_done))
    console.print(sessions)
    console.print(totals)
    console.print(f"Streak: {report.streaks.current_days} day(s) in a row "
                  f"(longest {report.streaks.longest_days})")


def date_labels(moments: list[datetime]) -> list[str]:
    """A workout's local date ("02 Dec 2026"), with its time when that day has more than one."""
    local = [m.astimezone() for m in moments]
    per_day = Counter(m.date() for m in local)
    return [m.strftime("%d %b %Y") + (m.strftime(" %H:%M") if per_day[m.date()] > 1 else "")
            for m in local]


def plot_figure(series: dict[str, list[PlotPoint]]) -> Figure:
    """Per exercise, one bar per workout (reps, or seconds for a hold) and its variation level
    as steps, in workout order and evenly spaced: a time axis squeezes one day's workouts into
    one bar, and the first workouts into hour ticks."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not series:
        raise HistoryError("no finished sets to plot in the history; do a workout first")
    figure = Figure(figsize=(9, 3 * len(series)), layout="constrained")
    FigureCanvasAgg(figure)
    axes_list = figure.subplots(len(series), 1, squeeze=False)[:, 0]
    for axes, (exercise, points) in zip(axes_list, sorted(series.items()), strict=True):
        positions = list(range(len(points)))
        is_hold = not any(p.reps for p in points)
        axes.bar(positions, [p.work_s if is_hold else p.reps for p in points], width=0.6,
                 color="#9ecae1")
        axes.set_title(exercise)
        axes.set_ylabel("seconds held" if is_hold else "reps")
        every = -(-len(points) // MAX_DATE_LABELS)
        labels = date_labels([p.started_at for p in points])
        axes.set_xticks(positions[::every], labels[::every])
        axes.set_xlim(-0.5, len(points) - 0.5)
        axes.tick_params(axis="x", labelrotation=30)
        levels = axes.twinx()
        levels.step(positions, [p.variation_level for p in points], where="mid",
                    color="#d94801", marker="o")
        names = {p.variation_level: p.variation for p in points}
        levels.set_yticks(sorted(names), [names[k] for k in sorted(names)])
        levels.set_ylim(min(names) - 0.5, max(names) + 0.5)
    return figure


def draw_plot(series: dict[str, list[PlotPoint]], path: Path) -> None:
    """The progress plot (`plot_figure`) as a PNG."""
    figure = plot_figure(series)
    try:
        figure.savefig(path, dpi=100)
    except OSError as exc:
        raise HistoryError(f"cannot write the plot to {path}: {exc.strerror}; "
                           "check the folder exists and is writable") from None
