"""The parts of `voicecoach calibrate` that need no microphone: --commands, --show, --lock's edit of
the settings file (which must still load), the room-noise level, and no microphone at all."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.cli import main
from voicecoach.cli.calibrate import SILENCE_DBFS, level_dbfs, parse_commands, turn_lock_on
from voicecoach.commands import Command
from voicecoach.ears import VoiceProfile, save_profile
from voicecoach.ears.voice_profile import Take
from voicecoach.errors import UsageError
from voicecoach.files import load_settings


def test_commands_default_to_all_and_keep_the_settings_order() -> None:
    assert parse_commands(None) == list(Command)
    assert parse_commands("skip, pause") == [Command.PAUSE, Command.SKIP]


def test_an_unknown_command_names_it_and_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"--commands: unknown command 'jump'; known: start, "):
        parse_commands("pause,jump")


@pytest.mark.parametrize("before", [
    "",
    "[voice]\nrate_wpm = 150\n",
    "[recognition]\nbackend = \"whisper\"\n\n[voice]\nrate_wpm = 150\n",
    "[recognition]\nvoice_lock = false\nbackend = \"whisper\"\n",
])
def test_lock_turns_on_in_the_settings_file_and_keeps_the_rest(tmp_path, before) -> None:
    path = tmp_path / "voicecoach.toml"
    if before:
        path.write_text(before)
    turn_lock_on(path)
    settings = load_settings(path).settings
    assert settings.recognition.voice_lock
    if "rate_wpm" in before:
        assert settings.voice.rate_wpm == 150
    if "whisper" in before:
        assert settings.recognition.backend == "whisper"


def test_room_noise_level() -> None:
    assert level_dbfs(bytes(3200)) == SILENCE_DBFS
    tone = (np.full(1600, 0.1) * 32767).astype("<i2").tobytes()
    assert level_dbfs(tone) == pytest.approx(-20.0, abs=0.1)


def test_show_prints_each_command_and_what_is_missing(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path))
    assert main(["calibrate", "--show"]) == 0
    assert "No voice profile yet" in capsys.readouterr().out
    takes = [Take("pause", np.zeros((20, 13), np.float32)), Take("wait", np.ones((20, 13)))]
    save_profile(VoiceProfile.from_takes("2026-12-02T15:00", -61.0, {Command.PAUSE: takes}))
    assert main(["calibrate", "--show"]) == 0
    out = capsys.readouterr().out
    assert "calibrated 2026-12-02T15:00, room noise -61 dBFS" in out
    assert "pause              2      " in out and "'pause', 'wait'" in out
    assert "not calibrated: start, resume, stop," in out


def test_a_damaged_profile_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path))
    (tmp_path / "voice-profile.json").write_text("{")
    assert main(["calibrate", "--show"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"voicecoach: {tmp_path / 'voice-profile.json'}: not a voice profile")


def test_no_microphone_is_one_line(monkeypatch, capsys) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent")  # no PulseAudio to find
    from tests.fixtures.pulse import reinit_portaudio

    reinit_portaudio()
    assert main(["calibrate", "--commands", "pause"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("voicecoach: calibration needs a microphone: ")
