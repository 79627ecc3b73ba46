"""The live view (rich on a real pseudo-terminal, plain lines when piped) and keyboard shortcuts."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from tests.conftest import REPO_ROOT
from tests.fixtures.history import make_routine, needs_run_history, run_workout
from voicecoach.commands import Command
from voicecoach.ears.hotkeys import EarsGroup, Keyboard, command_for_key
from voicecoach.events import CommandHeard, Event, Snapshot
from voicecoach.states import State
from voicecoach.views.terminal import (
    Frame,
    LiveView,
    PlainView,
    QuietView,
    mic_level_of,
    open_view,
    render,
    say_hint,
)

pytestmark = pytest.mark.realtime  # the live view refreshing in real time

ROUTINE = make_routine()

WORKING = Snapshot(
    time_s=11.0, event="phase", detail=None, state=State.WORKING, exercise="leg-lifts",
    variation="straight-leg", set=2, sets=3, rep=4, reps=10, phase="lower",
    phase_start_s=10.0, phase_end_s=14.0, tempo="4-0-2-0", last_cue="Lower slowly",
)


def snap(**changes: object) -> Snapshot:
    return dataclasses.replace(WORKING, **changes)  # type: ignore[arg-type]


def text_of(renderable: object) -> str:
    console = Console(record=True, width=100, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_frame_names_what_the_snapshot_identifies() -> None:
    frame = Frame.of(WORKING, ROUTINE)
    assert (frame.routine, frame.state, frame.position) == (
        "Test core", State.WORKING, "Leg lifts · Straight leg · set 2/3 · rep 4/10")
    assert Frame.of(WORKING).position == "leg-lifts · straight-leg · set 2/3 · rep 4/10"


def test_panel_shows_position_phase_cue_command_and_hint() -> None:
    frame = Frame.of(WORKING, ROUTINE)
    text = text_of(render(frame, 11.5, "pause (0.93)", 0.5, say_hint(frame.state)))
    for part in ("Test core", "Leg lifts · Straight leg · set 2/3 · rep 4/10", "LOWER", "2.5 s",
                 "Lower slowly", "pause (0.93)", '"easier"', "space pause/resume", "working"):
        assert part in text


@pytest.mark.parametrize(("state", "label"), [(State.REST, "rest"), (State.COUNT_IN, "get ready")])
def test_panel_counts_down_the_rest_and_the_count_in(state: State, label: str) -> None:
    frame = Frame.of(snap(state=state, rep=0, phase=None, phase_start_s=None, phase_end_s=None,
                          block_end_s=100.0))
    text = text_of(render(frame, 75.2, "", 0.0, ""))
    assert label in text and "0:25" in text and "LOWER" not in text


class FrameCollector:
    """A View keeping every frame, to check what a real workout would put on screen."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []

    def update(self, snapshot: Snapshot) -> None:
        self.frames.append(Frame.of(snapshot, ROUTINE))

    def heard(self, event: CommandHeard) -> None:
        """Not needed here."""


def test_a_real_workout_gives_the_panel_its_bars_and_countdowns() -> None:
    view = FrameCollector()
    run_workout(ROUTINE, view=view)
    resting = next(f for f in view.frames if f.state is State.REST)
    assert resting.block_end_s is not None
    assert "rest" in text_of(render(resting, resting.block_end_s - 4, "", 0, ""))
    lifting = next(f for f in view.frames if f.phase == "lift")
    assert lifting.phase_start_s is not None and lifting.phase_end_s is not None
    midway = (lifting.phase_start_s + lifting.phase_end_s) / 2
    assert "LIFT" in text_of(render(lifting, midway, "", 0, ""))


def test_hint_uses_the_users_phrases_for_this_state() -> None:
    hint = say_hint(State.PAUSED, {Command.RESUME: ["carry on", "resume"]})
    assert hint.startswith('say: "start" · "resume"'.replace('"resume"', '"carry on"'))
    assert '"pause"' not in hint


def test_plain_view_prints_a_line_per_state_change_and_cue() -> None:
    out = io.StringIO()
    view = PlainView(out, ROUTINE)
    view.update(snap(state=State.COUNT_IN, set=1, rep=0, last_cue=None))
    view.update(snap(set=1, rep=1, last_cue="Lift"))
    view.update(snap(set=1, rep=1, last_cue="Lift", phase="top"))  # nothing new to say
    view.heard(CommandHeard(Command.PAUSE, "pause", 0.91))
    view.update(snap(state=State.PAUSED, set=1, rep=1, last_cue="Paused"))
    view.notice("history is off: locked")
    view.close()
    assert out.getvalue().splitlines() == [
        "[count_in] Leg lifts · Straight leg · set 1/3",
        "[working] Leg lifts · Straight leg · set 1/3 · rep 1/10",
        "coach: Lift",
        "heard: pause (0.91)",
        "[paused] Leg lifts · Straight leg · set 1/3 · rep 1/10",
        "coach: Paused",
        "history is off: locked",
    ]


def test_plain_view_prints_the_volume_after_louder_and_quieter() -> None:
    out = io.StringIO()
    view = PlainView(out, ROUTINE)
    view.update(snap(volume=10 ** (-3 / 20)))
    view.update(snap(event="command", detail="quieter", volume=10 ** (-6 / 20)))
    view.update(snap(event="command", detail="louder", volume=1.0))
    view.update(snap(event="command", detail="louder", volume=1.0))
    view.update(snap(event="command", detail="pause", volume=1.0))
    assert out.getvalue().splitlines()[-3:] == [
        "volume: 50% (-6 dB)",
        "volume: 100% (0 dB)",
        "volume: 100% (0 dB), as loud as it goes",
    ]


def test_panel_shows_the_volume() -> None:
    frame = Frame.of(snap(volume=10 ** (-3 / 20)), ROUTINE)
    assert "71% (-3 dB)" in text_of(render(frame, 11.5, "", 0.0, ""))
    assert "louder/quieter" in text_of(render(frame, 11.5, "", 0.0, ""))


def test_plain_view_can_leave_cues_to_a_printing_voice() -> None:
    out = io.StringIO()
    view = open_view(lambda: 0.0, ROUTINE, stream=out, has_cue_lines=False)
    view.update(snap(last_cue="Lift"))
    assert out.getvalue().splitlines() == [
        "[working] Leg lifts · Straight leg · set 2/3 · rep 4/10"]


def test_plain_view_follows_a_real_workout() -> None:
    out = io.StringIO()
    assert run_workout(ROUTINE, view=PlainView(out, ROUTINE)) == "finished"
    lines = out.getvalue().splitlines()
    assert next(line for line in lines if line.startswith("[")) == (
        "[count_in] Leg lifts · Bent knee · set 1/3")
    assert "[working] Plank · Knee plank · set 2/2" in lines
    assert lines[-2:] == ["[finished] Plank · Knee plank · set 2/2",
                          "coach: In all: five sets, twelve reps, in two minutes and thirty seconds."]


def test_open_view_picks_by_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert isinstance(open_view(lambda: 0.0, stream=io.StringIO()), PlainView)
    quiet = open_view(lambda: 0.0, is_quiet=True)
    assert isinstance(quiet, QuietView)
    quiet.update(WORKING)
    quiet.heard(CommandHeard(Command.STOP))
    quiet.notice("history is off: x")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "history is off: x\n")


VIEW_SCRIPT = """
import sys
from tests.fixtures.history import make_routine
from tests.test_views_terminal import WORKING
from voicecoach.commands import Command
from voicecoach.events import CommandHeard
from voicecoach.views import open_view
view = open_view(lambda: 11.0, make_routine())
print(type(view).__name__, file=sys.stderr)
view.update(WORKING)
view.heard(CommandHeard(Command.EASIER, "make it easier", 0.8))
view.close()
"""


def test_live_view_piped_to_a_file_prints_plain_lines(tmp_path: Path) -> None:
    out_file = tmp_path / "out.txt"
    with out_file.open("w") as out:
        run = subprocess.run([sys.executable, "-c", VIEW_SCRIPT],
                             stdout=out, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                             timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip() == "PlainView"
    assert out_file.read_text().splitlines() == [
        "[working] Leg lifts · Straight leg · set 2/3 · rep 4/10",
        "coach: Lower slowly",
        "heard: make it easier (0.80)",
    ]


@pytest.fixture
def pty() -> Iterator[tuple[int, int]]:
    controller, terminal = os.openpty()
    yield controller, terminal
    for fd in (controller, terminal):
        with contextlib.suppress(OSError):  # a test may have closed it already
            os.close(fd)


def drain(fd: int, into: bytearray, stop: threading.Event) -> None:
    import select

    while not stop.is_set():
        if select.select([fd], [], [], 0.05)[0]:
            try:
                into.extend(os.read(fd, 65536))
            except OSError:
                return


def test_live_view_draws_on_a_real_terminal(pty: tuple[int, int]) -> None:
    controller, terminal = pty
    screen, stop = bytearray(), threading.Event()
    reader = threading.Thread(target=drain, args=(controller, screen, stop))
    reader.start()
    stream = os.fdopen(os.dup(terminal), "w", encoding="utf-8")
    try:
        view = open_view(lambda: 12.0, ROUTINE, stream=stream)
        assert isinstance(view, LiveView)
        view.update(WORKING)
        view.heard(CommandHeard(Command.HARDER, "harder", 0.75))
        view.mic_level(0.6)
        time.sleep(0.4)  # a few refreshes of the Live thread
        view.close()
    finally:
        stream.close()
        time.sleep(0.1)
        stop.set()
        reader.join()
    shown = screen.decode("utf-8", errors="replace")
    assert "rep 4/10" in shown and "harder (0.75)" in shown and "LOWER" in shown
    assert "\x1b[" in shown  # drawn with terminal control codes, not plain lines


# ---- keyboard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "state", "command"),
    [
        (" ", State.WORKING, Command.PAUSE),
        (" ", State.REST, Command.PAUSE),
        (" ", State.PAUSED, Command.RESUME),
        (" ", State.READY, Command.START),
        ("q", State.WORKING, Command.STOP),
        ("q", State.PAUSED, Command.STOP),
        ("+", State.WORKING, Command.HARDER),
        ("=", State.REST, Command.HARDER),
        ("-", State.PAUSED, Command.EASIER),
        ("-", State.READY, None),  # a voice could not say "easier" there either
        (">", State.WORKING, Command.LOUDER),
        (".", State.READY, Command.LOUDER),
        ("<", State.PAUSED, Command.QUIETER),
        (",", State.REST, Command.QUIETER),
        ("<", State.FINISHED, None),
        ("x", State.WORKING, None),
        (" ", State.FINISHED, None),
    ],
)
def test_keys_mirror_the_spoken_commands(key: str, state: State, command: Command | None) -> None:
    assert command_for_key(key, state) == command


def test_keyboard_reads_raw_keys_and_restores_the_terminal(pty: tuple[int, int]) -> None:
    controller, terminal = pty
    before = termios.tcgetattr(terminal)
    posted: list[Event] = []
    arrived = threading.Condition()

    def post(event: Event) -> None:
        with arrived:
            posted.append(event)
            arrived.notify_all()

    def wait_for(count: int) -> None:
        with arrived:
            assert arrived.wait_for(lambda: len(posted) >= count, timeout=5), posted

    keyboard = Keyboard(fd=terminal)
    keyboard.start(post)
    assert keyboard.is_active
    assert termios.tcgetattr(terminal)[3] & termios.ICANON == 0  # no line buffering
    keyboard.listen_for(State.WORKING)
    os.write(controller, b" x+")
    wait_for(2)
    keyboard.listen_for(State.PAUSED)
    os.write(controller, b" ")
    wait_for(3)
    keyboard.close()
    assert termios.tcgetattr(terminal) == before
    assert [e.command for e in posted if isinstance(e, CommandHeard)] == [
        Command.PAUSE, Command.HARDER, Command.RESUME]
    assert posted[0] == CommandHeard(Command.PAUSE, text="key ' '", confidence=1.0)


def test_keyboard_does_nothing_without_a_terminal() -> None:
    read_end, write_end = os.pipe()
    keyboard = Keyboard(fd=read_end)
    keyboard.start(lambda event: None)
    assert not keyboard.is_active
    keyboard.close()
    os.close(read_end)
    os.close(write_end)


@pytest.mark.parametrize(
    ("amplitude", "low", "high"),
    [(0, 0.0, 0.0), (33, 0.0, 0.02), (1000, 0.40, 0.48), (32767, 0.94, 0.96)],
)
def test_mic_level_is_rms_on_a_decibel_scale(amplitude: int, low: float, high: float) -> None:
    import numpy as np

    block = (np.sin(np.arange(1600) / 5) * amplitude).astype("<i2").tobytes()
    assert low <= mic_level_of(block) <= high
    assert mic_level_of(b"") == 0.0


class RecordingEars:
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    def start(self, post: object) -> None:
        self.log.append(f"{self.name} start")

    def listen_for(self, state: State) -> None:
        self.log.append(f"{self.name} {state.value}")

    def close(self) -> None:
        self.log.append(f"{self.name} close")


def test_ears_group_passes_everything_to_each() -> None:
    log: list[str] = []
    group = EarsGroup(RecordingEars(log, "mic"), RecordingEars(log, "keys"))
    group.start(lambda event: None)
    group.listen_for(State.PAUSED)
    group.close()
    assert log == ["mic start", "keys start", "mic paused", "keys paused", "keys close",
                   "mic close"]


TERMINAL_ROUTINE = """\
name: Terminal
count_in_s: 1
exercises:
  - name: Leg lifts
    sets: 2
    variations:
      - {name: Bent knee, tempo: 1-0-1-0, reps: 30}
"""


def read_screen_until(controller: int, screen: bytearray, wanted: bytes, timeout_s: float) -> None:
    import select

    deadline_s = time.monotonic() + timeout_s
    while wanted not in screen:
        assert time.monotonic() < deadline_s, f"no {wanted!r} in {bytes(screen[-400:])!r}"
        if select.select([controller], [], [], 0.1)[0]:
            screen.extend(os.read(controller, 65536))


KEYS_WIRED = "Keyboard(" in (REPO_ROOT / "voicecoach" / "cli" / "workout.py").read_text()
"""Until `voicecoach run` reads single keys on a terminal (see the history report)."""


@needs_run_history
@pytest.mark.skipif(not KEYS_WIRED, reason="`voicecoach run` does not use keys.Keyboard yet")
def test_run_on_a_terminal_draws_the_panel_and_obeys_keys(tmp_path: Path,
                                                          pty: tuple[int, int]) -> None:
    controller, terminal = pty
    routine, history = tmp_path / "terminal.yaml", tmp_path / "history.sqlite3"
    routine.write_text(TERMINAL_ROUTINE)
    settings_before = termios.tcgetattr(terminal)
    child = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "run", str(routine), "--history", str(history)],
        stdin=terminal, stdout=terminal, stderr=terminal, cwd=REPO_ROOT,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"})
    screen = bytearray()
    try:
        read_screen_until(controller, screen, b"ready", 30)
        time.sleep(0.5)  # the panel shows before the keyboard is read
        os.write(controller, b" ")  # space: start
        read_screen_until(controller, screen, b"count in", 30)
        os.write(controller, b"q")  # q: stop
        read_screen_until(controller, screen, b"workout stopped", 30)
        assert child.wait(30) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
    assert b"\x1b[" in screen and b"Terminal" in screen and b"space pause/resume" in screen
    assert termios.tcgetattr(terminal) == settings_before  # keys left the terminal as it was
    import sqlite3

    with sqlite3.connect(history) as db:
        assert db.execute("SELECT status FROM sessions").fetchall() == [("stopped",)]
