"""`voicecoach say`, `voices` and `render`, run through the real CLI entry point."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.fixtures.pulse import pulse_fixture
from voicecoach.audio import read_wav
from voicecoach.cli import main
from voicecoach.files import load_settings
from voicecoach.files.paths import PROJECT_ROOT
from voicecoach.routine import load_routine
from voicecoach.sim import simulate
from voicecoach.voice.cue_cache import open_cache

pulse = pulse_fixture()
LEG_LIFTS = PROJECT_ROOT / "routines" / "leg-lifts.yaml"


def test_voices_marks_the_voice_of_the_language(capsys):
    assert main(["voices", "en-us"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["*", "en_US-joe-medium", "piper", "joe", "(medium,", "packaged)",
                                "en-us", "en"]
    assert any(line.split()[:2] == ["gmw/en-us", "pyttsx3"] for line in lines)
    assert all("en-us" in line.lower() for line in lines)


def test_voices_marks_the_voice_of_the_language_with_pyttsx3(tmp_path, capsys):
    config = tmp_path / "voice.toml"
    config.write_text('[voice]\nengine = "pyttsx3"\n')
    assert main(["--config", str(config), "voices", "en-us"]) == 0
    marked = [line for line in capsys.readouterr().out.splitlines() if line.startswith("*")]
    assert [line.split()[1:3] for line in marked] == [["gmw/en-us", "pyttsx3"]]


def test_voices_marks_the_configured_voice(tmp_path, capsys):
    config = tmp_path / "voice.toml"
    config.write_text('[voice]\nvoice = "English_(Great_Britain)"\n')
    assert main(["--config", str(config), "voices", "gmw/en"]) == 0
    marked = [line for line in capsys.readouterr().out.splitlines() if line.startswith("*")]
    assert len(marked) == 1 and marked[0].split()[1] == "gmw/en"


def test_unknown_voice_is_one_line_with_the_fix(tmp_path, capsys):
    config = tmp_path / "voice.toml"
    config.write_text('[voice]\nvoice = "robot"\n')
    assert main(["--config", str(config), "say", "hello"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["voicecoach: voice.voice: no installed voice 'robot'; run `voicecoach voices` "
                   "and use an id or name from the list (or leave it empty for the language's "
                   "default)"]


def test_say_prints_with_a_reason_when_there_is_no_speaker(tmp_path):
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)}  # no sound server behind it
    done = subprocess.run([sys.executable, "-m", "voicecoach", "say", "Lift slowly."], env=env,
                          capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT)
    if done.returncode == 0 and "cues will be printed" not in done.stderr:
        pytest.skip("this machine has a real output device")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("Lift slowly.")
    assert done.stderr.strip().splitlines() == [
        "voicecoach: no output audio device found on this machine: cues will be printed"]


@pytest.mark.parametrize("engine", ["auto", "pyttsx3"])
def test_say_to_a_file(tmp_path, engine, capsys):
    config = tmp_path / "voice.toml"
    config.write_text(f'[voice]\nengine = "{engine}"\n')
    out = tmp_path / "say.wav"
    assert main(["--config", str(config), "say", "Lift slowly.", "-o", str(out)]) == 0
    samples, _ = read_wav(out)
    assert 0.5 < samples.size / 22050 < 3.0 and np.sqrt(np.mean(samples**2)) > 0.02
    assert capsys.readouterr().err == (
        f"voicecoach: writing the coach's voice to {out} instead of the speaker\n")


@pytest.mark.audio
def test_say_plays_on_the_speaker(pulse, capsys):
    with pulse.record_speaker() as recording:
        assert main(["say", "Lower slowly."]) == 0
    assert capsys.readouterr().out == ""
    heard = recording.samples
    loud = np.flatnonzero(np.abs(heard) > 0.02)
    assert loud.size and 0.5 < (loud[-1] - loud[0]) / 22050 < 3.0


def test_render_leg_lifts_lasts_the_planned_time(tmp_path, capsys):
    out = tmp_path / "workout.wav"
    assert main(["render", str(LEG_LIFTS), "-o", str(out)]) == 0
    settings = load_settings().settings
    cache, _ = open_cache(settings.voice)  # the cache the command just filled
    records = simulate(load_routine(LEG_LIFTS), settings, cue_timer=cache)
    planned_s = max(r.time_s + (r.duration_s or 0.0) for r in records)
    samples, rate_hz = read_wav(out)
    assert samples.size / rate_hz == pytest.approx(planned_s, rel=0.01)
    cues = [r for r in records if r.event == "cue"]
    assert len(cues) > 50
    for cue in cues[:: max(1, len(cues) // 10)]:  # every tenth cue is really in the file
        frame = int((cue.time_s + 0.05) * rate_hz)
        assert np.abs(samples[frame : frame + rate_hz // 10]).max() > 0.02, cue.text
    assert f"wrote {out}" in capsys.readouterr().out
