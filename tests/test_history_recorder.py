"""Crash safety: SIGKILL mid-set keeps every finished set, SIGINT ends cleanly, --resume goes on.

A child process runs the real session, runner and recorder (tests/fixtures/resume_driver.py) on a
slowed fake clock; the test reads its progress lines and signals it mid-set.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.fixtures.history import make_routine, needs_run_history
from voicecoach.history import HistoryStore, Status

TIMEOUT_S = 30

@contextmanager
def driver(history: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.fixtures.resume_driver", str(history), *args],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(TIMEOUT_S)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def read_until(child: subprocess.Popen[str], wanted: str) -> list[str]:
    """Progress lines up to and including `wanted` (fails if the child ends first)."""
    assert child.stdout is not None
    seen: list[str] = []
    for line in child.stdout:
        seen.append(line.strip())
        if seen[-1] == wanted:
            return seen
    raise AssertionError(f"the driver ended before {wanted!r}: {seen[-5:]}, "
                         f"stderr: {child.stderr.read() if child.stderr else ''}")


def saved_sets(history: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(history) as db:
        return db.execute("SELECT exercise_index, set_index FROM sets"
                          " ORDER BY exercise_index, set_index").fetchall()


def session_rows(history: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(history) as db:
        return db.execute("SELECT id, status FROM sessions").fetchall()


def kill_mid_third_set(history: Path) -> None:
    with driver(history) as child:
        read_until(child, "saved leg-lifts 2")
        read_until(child, "at working leg-lifts 3 2")  # rep 2 of set 3 is under way
        child.send_signal(signal.SIGKILL)
        assert child.wait(TIMEOUT_S) == -signal.SIGKILL


def test_sigkill_mid_set_keeps_every_finished_set(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite3"
    kill_mid_third_set(history)
    assert saved_sets(history) == [(0, 0), (0, 1)]
    assert [status for _, status in session_rows(history)] == [Status.RUNNING]
    point = HistoryStore.open(history).find_interrupted(make_routine())
    assert point is not None
    assert (point.exercise_index, point.set_number, point.variation_id) == (0, 3, "bent-knee")


def test_sigint_saves_and_exits_cleanly(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite3"
    # Slower than the default 10 ms per event: on a loaded CI machine the child once finished
    # the whole workout between printing the line below and receiving the signal.
    with driver(history, "--event-delay", "0.04") as child:
        read_until(child, "saved leg-lifts 1")
        read_until(child, "at working leg-lifts 2 1")
        child.send_signal(signal.SIGINT)
        assert child.wait(TIMEOUT_S) == 130
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.read().splitlines()[-1] == "end stopped"
        assert "Traceback" not in child.stderr.read()
    assert saved_sets(history) == [(0, 0)]
    assert [status for _, status in session_rows(history)] == [Status.STOPPED]
    point = HistoryStore.open(history).find_interrupted(make_routine())
    assert point is not None and (point.exercise_index, point.set_number) == (0, 2)


def test_resume_after_a_kill_continues_from_the_next_set(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite3"
    kill_mid_third_set(history)
    with driver(history, "--resume") as child:
        lines = read_until(child, "end finished")
        assert child.wait(TIMEOUT_S) == 0
    assert lines[0] == "resume 0 3 bent-knee"
    assert [line for line in lines if line.startswith("saved")] == [
        "saved leg-lifts 3", "saved plank 1", "saved plank 2"]
    assert saved_sets(history) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert [status for _, status in session_rows(history)] == [Status.FINISHED]


@pytest.mark.parametrize("damage", ["corrupt", "locked"])
def test_a_bad_history_file_does_not_stop_the_workout(tmp_path: Path, damage: str) -> None:
    history = tmp_path / "history.sqlite3"
    locker = None
    if damage == "corrupt":
        history.write_bytes(b"not a database " * 200)
    else:
        HistoryStore.open(history).close()
        locker = sqlite3.connect(history)
        locker.execute("BEGIN EXCLUSIVE")
    with driver(history, "--event-delay", "0") as child:
        lines = read_until(child, "end finished")
        assert child.wait(TIMEOUT_S) == 0
    if locker is not None:
        locker.rollback()
    warnings = [line for line in lines if line.startswith("warn")]
    assert len(warnings) == 1
    expected = "is damaged" if damage == "corrupt" else "is locked by another program"
    assert warnings[0].startswith("warn history is off: ") and expected in warnings[0]
    assert sum(line.startswith("saved") for line in lines) == 5  # the workout went on


# ---- end to end through `voicecoach run` (run once the CLI has --history and --resume) ------


def voicecoach(*args: str, stdin: str = "", stdout: int | object = subprocess.PIPE,
               timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], input=stdin,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                          timeout=timeout_s)


@pytest.fixture
def routine_file(tmp_path: Path) -> Path:
    from tests.fixtures.history import ROUTINE_YAML

    path = tmp_path / "test-core.yaml"
    path.write_text(ROUTINE_YAML)
    return path


@needs_run_history
def test_run_stopped_then_resumed_saves_each_set_once(tmp_path: Path, routine_file: Path) -> None:
    history = tmp_path / "history.sqlite3"
    script = tmp_path / "commands.txt"
    script.write_text("0 start\n40 stop\n")
    first = voicecoach("run", str(routine_file), "--simulate", "--commands", str(script),
                       "--history", str(history))
    assert first.returncode == 0, first.stderr
    done_before = saved_sets(history)
    assert 0 < len(done_before) < 5
    second = voicecoach("run", str(routine_file), "--simulate", "--resume", "--history",
                        str(history))
    assert second.returncode == 0, second.stderr
    assert "Resuming Leg lifts, set" in second.stderr
    assert saved_sets(history) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert [status for _, status in session_rows(history)] == [Status.FINISHED]


@needs_run_history
def test_run_with_a_corrupt_history_still_runs(tmp_path: Path, routine_file: Path) -> None:
    history = tmp_path / "history.sqlite3"
    history.write_bytes(b"garbage " * 300)
    run = voicecoach("run", str(routine_file), "--simulate", "--history", str(history))
    assert run.returncode == 0
    assert run.stderr.count("history is off: ") == 1 and "is damaged" in run.stderr
    assert "Workout complete" in run.stdout


TINY_ROUTINE = """\
name: Tiny
count_in_s: 1
exercises:
  - name: Leg lifts
    sets: 1
    variations:
      - {name: Bent knee, tempo: 1-0-1-0, reps: 2}
"""


@pytest.mark.slow
@needs_run_history
def test_real_time_run_piped_to_a_file_prints_plain_lines(tmp_path: Path) -> None:
    routine = tmp_path / "tiny.yaml"
    routine.write_text(TINY_ROUTINE)
    history = tmp_path / "history.sqlite3"
    out_file = tmp_path / "out.txt"
    with out_file.open("w") as out:
        run = voicecoach("run", str(routine), "--keyboard", "--history", str(history),
                         stdin="start\n", stdout=out, timeout_s=60)
    assert run.returncode == 0, run.stderr
    lines = out_file.read_text().splitlines()
    assert "[count_in] Leg lifts · Bent knee · set 1/1" in lines
    assert "[finished] Leg lifts · Bent knee · set 1/1" in lines
    assert not any("\x1b[" in line for line in lines)  # no terminal control codes in a file
    assert saved_sets(history) == [(0, 0)]
