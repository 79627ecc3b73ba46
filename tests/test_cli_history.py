"""`voicecoach history`: tables, JSON, the PNG plot, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.fixtures.history import seed_history
from voicecoach.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "history.sqlite3"
    seed_history(path, days=6)
    return path


def test_plot_draws_a_png_from_a_seeded_history(seeded: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "progress.png"
    assert main(["history", "--history", str(seeded), "--plot", str(png)]) == 0
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    import matplotlib.image

    height, width, _ = matplotlib.image.imread(png).shape
    assert (width, height) == (900, 600)  # 9x3 inches per exercise at 100 dpi, two exercises
    assert f"Progress plot written to {png}" in capsys.readouterr().out


def test_tables_list_sessions_totals_and_streak(seeded: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--history", str(seeded), "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("Test core") == 2
    for text in ("Recent workouts", "Totals per exercise", "Leg lifts", "Hover", "Plank",
                 "Streak:", "(longest 6)"):
        assert text in out


def test_json_is_for_scripts(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--history", str(seeded), "--json", "--limit", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["file"] == str(seeded)
    assert [s["status"] for s in report["sessions"]] == ["finished"] * 3
    assert report["sessions"][0]["started_at"] > report["sessions"][1]["started_at"]
    totals = {t["exercise"]: t for t in report["totals"]}
    assert (totals["Leg lifts"]["reps"], totals["Plank"]["work_s"]) == (72, 60.0)
    assert report["streaks"]["longest_days"] == 6


def test_no_history_yet_is_not_an_error(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.sqlite3"
    assert main(["history", "--history", str(missing)]) == 0
    assert "No workouts saved yet" in capsys.readouterr().out
    assert main(["history", "--history", str(missing), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sessions"] == []
    assert not missing.exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--limit", "0"], 2, "--limit must be 1 or more (got 0)"),
        (["--plot", "out.jpg"], 2, "give a name ending in .png"),
        (["--plot", "out.png"], 1, "to plot yet"),
    ],
)
def test_mistakes_give_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                args: list[str], code: int, message: str) -> None:
    assert main(["history", "--history", str(tmp_path / "none.sqlite3"), *args]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_a_corrupt_file_gives_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"nonsense " * 500)
    run = subprocess.run([sys.executable, "-m", "voicecoach", "history", "--history", str(bad)],
                         capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip() == (
        f"voicecoach: {bad} is damaged (file is not a database); move it aside (a new one is "
        "made) or use --history OTHER.sqlite3")


def test_plot_of_a_history_without_sets_says_so(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from voicecoach.history import HistoryStore

    empty = tmp_path / "empty.sqlite3"
    HistoryStore.open(empty).close()
    assert main(["history", "--history", str(empty), "--plot", str(tmp_path / "p.png")]) == 1
    assert capsys.readouterr().err.strip() == (
        "voicecoach: no finished sets to plot in the history; do a workout first")
    assert not (tmp_path / "p.png").exists()


def test_a_simulated_workout_lists_its_own_length_and_its_summary(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "history.sqlite3"
    assert main(["run", "leg-lifts", "--simulate", "--json", "--history", str(path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["total_s"] > 240  # minutes on its own clock, a blink on the wall clock
    assert main(["history", "--history", str(path), "--json"]) == 0
    [session] = json.loads(capsys.readouterr().out)["sessions"]
    assert session["duration_s"] == summary["total_s"]
    assert session["summary"] == summary
    assert main(["history", "--history", str(path)]) == 0
    minutes, seconds = divmod(round(summary["total_s"]), 60)
    assert f" {minutes}:{seconds:02d} " in capsys.readouterr().out


def test_the_plot_has_one_bar_per_workout_and_dates_even_for_a_first_busy_day(
        tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from voicecoach.cli.history import plot_figure
    from voicecoach.history import HistoryStore

    path = tmp_path / "history.sqlite3"
    seed_history(path, days=1, start=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    seed_history(path, days=1, start=datetime(2026, 12, 2, 13, 0, tzinfo=UTC))
    seed_history(path, days=1, start=datetime(2026, 12, 2, 18, 0, tzinfo=UTC))
    store = HistoryStore.open(path)
    figure = plot_figure(store.plot_series())
    store.close()
    legs = figure.axes[0]
    assert legs.get_title() == "Leg lifts"
    assert len(legs.patches) == 3  # three bars, one per workout
    labels = [t.get_text() for t in legs.get_xticklabels()]
    local = [datetime(2026, 12, 2, h, 0, tzinfo=UTC).astimezone() for h in (9, 13, 18)]
    assert labels == [m.strftime("%d %b %Y %H:%M") for m in local]


def test_date_labels_add_the_time_only_on_days_with_more_than_one_workout() -> None:
    from datetime import datetime, timedelta

    from voicecoach.cli.history import date_labels

    day = datetime(2026, 12, 1, 12, 0).astimezone()
    labels = date_labels([day, day + timedelta(days=1), day + timedelta(days=1, hours=2)])
    assert labels == [day.strftime("%d %b %Y"),
                      *(m.strftime("%d %b %Y %H:%M") for m in
                        (day + timedelta(days=1), day + timedelta(days=1, hours=2)))]
