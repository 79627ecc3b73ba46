"""`voicecoach calibrate` for real on virtual audio, then the voice lock it enables.

A synthesized user (espeak-ng) answers the spoken prompts through the private PulseAudio's virtual
microphone, Whisper tiny.en hears them (what `--offline` picks without a Vosk model), the coach's
prompts play on the virtual speaker. One answer is the wrong word and must get the retry prompt.
Then `voicecoach listen`, locked, obeys the user's "pause" and another voice's "stop" but refuses
the other voice's "pause"; a locked workout (`voicecoach run`) does the same; and Ctrl-C in a
second calibration leaves the profile as it was.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.fixtures.e2e import HEARD_WITHIN_S, TRIES, USER_VOICE, workout
from tests.fixtures.pulse import MIC_RATE_HZ, PulseServer, pulse_fixture, write_wav
from voicecoach.sim.synth import synthesize

pytestmark = [pytest.mark.audio, pytest.mark.slow]

pulse = pulse_fixture()

USER = ("en-us+m3", 150, 50)
"""The calibrated user's espeak-ng voice, speed and pitch."""
OTHER = ("en-gb+f2", 170, 70)
"""Someone else in the room."""
ANSWER_WITHIN_S = 40.0
"""Longest wait for the next prompt (the first waits for Whisper to load and prompts to render)."""

CONFIG = """\
[voice]
engine = "espeak-ng"
[recognition]
backend = "whisper"
"""


class Calibrate:
    """A running `voicecoach calibrate`, its output read line by line as it comes (on a thread,
    so a process that hangs without a word fails the wait instead of blocking it)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._incoming: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._incoming.put(line.rstrip("\n"))
        self._incoming.put(None)

    def next_line(self, starting: str) -> str:
        """The next stdout line that starts with `starting` (fails with what came instead)."""
        deadline = time.monotonic() + ANSWER_WITHIN_S
        while True:
            try:
                line = self._incoming.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError(f"no line starting {starting!r}; output so far:\n"
                                     + "\n".join(self.lines))
            self.lines.append(line)
            print(f"{time.monotonic():9.1f} {line}")  # shown when a test fails
            if line.startswith(starting):
                return line


def say(pulse: PulseServer, tmp_path: Path, text: str, voice: tuple[str, int, int]) -> None:
    """Speak into the virtual microphone (returns when played)."""
    name, speed, pitch = voice
    wav = tmp_path / f"{text.replace(' ', '_')}-{name}.wav"
    if not wav.exists():
        samples = synthesize(text, name, speed, pitch, lead_s=0.5, tail_s=0.3)
        write_wav(wav, samples * 0.7, MIC_RATE_HZ)
    pulse.play_into_mic(wav)


def environment(pulse: PulseServer, data: Path, config_dir: Path) -> dict[str, str]:
    return {**os.environ, "XDG_RUNTIME_DIR": str(pulse.runtime_dir), "PYTHONUNBUFFERED": "1",
            "VOICECOACH_DATA_DIR": str(data), "VOICECOACH_CONFIG_DIR": str(config_dir)}


@contextmanager
def start(pulse: PulseServer, tmp_path: Path, *args: str) -> Iterator[Calibrate]:
    """`voicecoach --config test.toml ARGS` with its own data and settings folders."""
    config = tmp_path / "test.toml"
    config.write_text(CONFIG)
    cmd = [sys.executable, "-m", "voicecoach", "--config", str(config), *args]
    with (tmp_path / "stderr.txt").open("w") as err:
        process = subprocess.Popen(cmd, env=environment(pulse, tmp_path / "data",
                                                        tmp_path / "conf"),
                                   cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=err, text=True)
    try:
        yield Calibrate(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def calibrated(pulse, tmp_path_factory) -> tuple[Path, list[str]]:
    """One calibration of "start" and "pause" by the user (kept short: CI time; a locked workout
    needs both); the fourth answer is the wrong word and must be asked for again."""
    tmp_path = tmp_path_factory.mktemp("calibrate")
    answers = [("start", "start"), ("start", "start"), ("pause", "pause"), ("pause", "skip"),
               ("pause", "pause")]
    with start(pulse, tmp_path, "calibrate", "--commands", "start,pause", "--lock") as run:
        for wanted, said in answers:
            assert run.next_line("listening: ").startswith(f"listening: {wanted} ")
            say(pulse, tmp_path, said, USER)
        run.next_line("voicecoach: voice lock on in ")
        assert run.process.wait(timeout=20) == 0, (tmp_path / "stderr.txt").read_text()
        return tmp_path, run.lines


def test_calibration_writes_the_profile_and_asks_again_after_a_wrong_word(calibrated) -> None:
    tmp_path, lines = calibrated
    wrong = next(i for i, line in enumerate(lines) if line.startswith("not taken: wrong command"))
    assert lines[wrong + 1] == "coach: I heard skip. That means skip, not pause."
    assert lines[wrong + 2] == "coach: Please say pause."
    assert lines[wrong + 3] == "listening: pause (take 2 of 2)"
    profile = json.loads((tmp_path / "data" / "voice-profile.json").read_text())
    assert profile["version"] == 1
    assert {name: len(body["takes"]) for name, body in profile["commands"].items()} == {
        "start": 2, "pause": 2}
    assert "voice_lock = true" in (tmp_path / "conf" / "voicecoach.toml").read_text()


def test_locked_listening_refuses_another_voices_pause_but_obeys_its_stop(
        pulse, calibrated) -> None:
    tmp_path, _ = calibrated
    listen = tmp_path / "listen"
    listen.mkdir()
    env = environment(pulse, tmp_path / "data", tmp_path / "conf")
    config = tmp_path / "test.toml"
    stderr = listen / "stderr.txt"
    with stderr.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "--config", str(config), "--debug", "listen",
             "--seconds", "40"], env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        deadline = time.monotonic() + ANSWER_WITHIN_S
        while "listening (Ctrl-C" not in stderr.read_text():
            assert process.poll() is None and time.monotonic() < deadline, stderr.read_text()
            time.sleep(0.1)
        assert "voice lock on" in stderr.read_text()
        for text, voice in (("pause", USER), ("pause", OTHER), ("stop", OTHER)):
            say(pulse, listen, text, voice)
            time.sleep(2.0)  # the answer is decoded before the next words begin
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    heard = [json.loads(line)["command"] for line in out.splitlines() if line.startswith("{")]
    assert heard == ["pause", "stop"], stderr.read_text()
    assert "ignored 'Pause.' (not your voice: distance" in stderr.read_text()


def test_a_locked_workout_obeys_its_user_and_anyones_stop_but_not_anothers_pause(
        pulse, calibrated, monkeypatch) -> None:
    tmp_path, _ = calibrated
    assert USER[0] == USER_VOICE, "the workout's commands must be said by the calibrated voice"
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path / "data"))  # the run inherits them
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "conf"))  # voice_lock = true
    room = tmp_path / "workout"
    room.mkdir()
    with workout(pulse, room, reps=8) as run:
        assert "voice lock on: only your voice" in run.stderr.read_text()
        assert run.command("start", "start", when=run.quiet).state == "count_in"
        refusals: list[str] = []
        for _ in range(TRIES):  # the other voice's words must be heard to be refused
            run.wait_for(run.in_phase("lower"), 30.0, "a moment for the other voice")
            before = len(run.timeline.records)
            say(pulse, room, "pause", OTHER)
            time.sleep(HEARD_WITHIN_S)
            run.timeline.poll()
            later = run.timeline.records[before:]
            assert not [r for r in later if r.event == "command"], run.report()
            refusals = [r.detail for r in later
                        if r.event == "heard" and (r.detail or "").startswith("not your voice")]
            if refusals:
                break
        assert refusals, f"the other voice's pause was never heard: {run.report()}"
        pause = run.command("pause", "pause", when=run.in_phase("lower"))
        assert pause.state == "paused"
        run.wait_for(run.quiet, 10.0, "the coach quiet while paused")
        say(pulse, room, "stop", OTHER)
        stop = run.wait_for_record("command", 10.0, detail="stop")
        assert stop.state == "stopped"
        assert run.wait_exit() == 0


def test_ctrl_c_during_calibration_leaves_the_profile_intact(pulse, calibrated) -> None:
    tmp_path, _ = calibrated
    profile = tmp_path / "data" / "voice-profile.json"
    before = profile.read_bytes()
    with start(pulse, tmp_path, "calibrate", "--commands", "pause") as run:
        run.next_line("coach: Please keep quiet")  # the microphone is open, the session on
        run.process.send_signal(signal.SIGINT)
        returncode = run.process.wait(timeout=20)
    err = (tmp_path / "stderr.txt").read_text()
    assert returncode == 130, err
    assert "voicecoach: interrupted" in err
    assert profile.read_bytes() == before
    assert [p.name for p in profile.parent.iterdir()] == ["voice-profile.json"]
