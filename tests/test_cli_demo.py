"""`voicecoach demo`: the unattended showcase, run for real on a machine with no audio devices."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import read_wav_16k
from voicecoach.commands import Command
from voicecoach.ears import Heard, Recognition
from voicecoach.events import CommandHeard
from voicecoach.files import load_settings
from voicecoach.sim.demo import DEMO_SCRIPT, Attempt, DemoLog, script_in


def test_a_step_said_twice_counts_once_heard_and_keeps_what_was_ignored() -> None:
    start, pause = DEMO_SCRIPT[0], DEMO_SCRIPT[1]
    log = DemoLog()
    log.attempts = [Attempt(start, 1.0, CommandHeard(Command.START, "start", 0.9), 2.0),
                    Attempt(pause, 10.0), Attempt(pause, 15.0)]
    ignored = Heard(Recognition(Command.PAUSE, "Pause.", 0.9, "whisper"), 10.3, 10.8,
                    "coach speaking")
    log.ignored = [(5.0, ignored), (10.8, ignored)]
    results = log.step_results()
    assert [(step.phrase, tries, hit is not None) for step, tries, hit in results[:2]] == [
        ("start", 1, True), ("pause", 2, False)]
    assert log.ignored_during(pause) == [ignored]  # not the one from before the first try
    assert not log.is_all_heard


def test_the_addressed_demo_user_begins_each_command_with_the_name_but_stop() -> None:
    said = {step.expect: step.phrase for step in script_in(load_settings().settings.commands,
                                                           "coach")}
    assert said[Command.PAUSE] == "coach, pause"
    assert said[Command.HOW_MANY_LEFT] == "coach, how many left"
    assert said[Command.STOP] == "stop"  # anyone may say it, with no name
    assert [step.phrase for step in script_in(load_settings().settings.commands)] == [
        step.phrase for step in DEMO_SCRIPT]


@pytest.mark.slow
def test_the_demo_runs_without_audio_devices_and_its_summary_matches_the_session(
    tmp_path: Path,
) -> None:
    history = tmp_path / "demo.sqlite3"
    # An empty runtime dir: no PulseAudio to find, as on a server or in CI.
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "PULSE_SERVER": "unix:/nonexistent"}
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "demo", "--quiet", "--history", str(history)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    report = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == 0, report
    assert "Traceback" not in done.stderr, report
    assert "the coach's voice goes to voicecoach-demo.wav" in done.stderr, report
    lines = done.stdout.splitlines()
    for step in DEMO_SCRIPT:  # every phrase said, each heard as its command
        row = next(line for line in lines if f'"{step.phrase}"' in line)
        assert step.expect.value in row, report
    assert f"{len(DEMO_SCRIPT)} commands heard for {len(DEMO_SCRIPT)} spoken" in done.stdout
    ending = done.stdout[done.stdout.index("commands heard for"):]  # the summary comes last
    assert "Leg lifts (demo): workout stopped" in ending and "Total time" in ending, report
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT status FROM sessions").fetchall() == [("stopped",)]
        [(kept,)] = db.execute("SELECT summary FROM sessions").fetchall()
        kinds = [k for (k,) in db.execute("SELECT kind FROM events ORDER BY id")]
    summary = json.loads(kept)
    assert summary["outcome"] == "stopped" and summary["exercises"][0]["easier"] == 1
    assert summary["exercises"][0]["sets_cut_short"] == 1
    assert summary["exercises"][0]["reps"] >= 5  # "stop" is said from the sixth rep on
    for kind in ("started", "paused", "resumed", "easier", "stopped"):
        assert kind in kinds, kinds
    samples = read_wav_16k(tmp_path / "voicecoach-demo.wav")
    assert len(samples) / 16_000 > 20.0  # the coach's voice for the whole session
    assert float(np.abs(samples).max()) > 0.1
