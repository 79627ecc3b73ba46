"""The voice lock: the stored profile (versioned, atomic, damaged files), the speaker check on real
espeak-ng voices, and the listener refusing another voice's commands but never stop or safety."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.fixtures.user_voice import (
    OTHER,
    USER,
    ScriptedRecognizer,
    listen_to,
    say,
    scripted_listener,
    user_profile,
)
from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.commands import Command
from voicecoach.ears import EchoGate, Heard, Listener, Recognition
from voicecoach.ears.speaker_check import judge
from voicecoach.ears.voice_lock import CALIBRATE_HINT, apply_voice_profile, calibration_hint
from voicecoach.ears.voice_profile import FORMAT_VERSION, VoiceProfile, load_profile, save_profile
from voicecoach.errors import ModelError
from voicecoach.files import load_settings
from voicecoach.views import TimelineView, read_timeline, voice_refusal


@pytest.fixture(scope="module")
def profile() -> VoiceProfile:
    return user_profile()


def test_the_users_own_voice_passes_and_another_is_refused(profile) -> None:
    assert profile.judge(Command.PAUSE, "pause", say("pause", USER)) is None
    refusal = profile.judge(Command.PAUSE, "pause", say("pause", OTHER))
    assert refusal is not None and refusal.startswith("not your voice: distance ")


def test_a_command_never_calibrated_is_refused_with_the_fix(profile) -> None:
    refusal = profile.judge(Command.FASTER, "faster", say("faster", USER))
    assert refusal == ("not your voice: 'faster' was not calibrated; run "
                       "`voicecoach calibrate --commands faster`")


def test_too_little_sound_is_not_judged_the_users() -> None:
    assert not judge(np.zeros(SAMPLE_RATE_HZ, dtype=np.float32), [np.ones((20, 13))], 2.0).is_user


def test_the_profile_round_trips_and_is_replaced_atomically(profile, tmp_path) -> None:
    path = tmp_path / "voice-profile.json"
    save_profile(profile, path)
    assert json.loads(path.read_text())["version"] == FORMAT_VERSION
    again = load_profile(path)
    assert again is not None and again.created == profile.created
    assert again.commands[Command.PAUSE].threshold == pytest.approx(
        profile.commands[Command.PAUSE].threshold, abs=1e-3)
    assert again.judge(Command.PAUSE, "pause", say("pause", USER)) is None
    assert [p.name for p in tmp_path.iterdir()] == ["voice-profile.json"]  # no temporary left


def test_no_profile_is_none(tmp_path) -> None:
    assert load_profile(tmp_path / "voice-profile.json") is None


@pytest.mark.parametrize(("text", "says"), [
    ("{not json", "not a voice profile (Expecting property name"),
    ('{"version": 99}', "voice profile version 99, this voicecoach reads version 1"),
    ('{"version": 1, "created": "x", "noise_floor_db": 0, "commands": {"jump": {}}}',
     "damaged voice profile (ValueError: 'jump' is not a valid Command)"),
])
def test_a_damaged_profile_is_one_line_naming_the_file_and_the_fix(tmp_path, text, says) -> None:
    path = tmp_path / "voice-profile.json"
    path.write_text(text)
    with pytest.raises(ModelError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and says in message
    assert message.endswith("run `voicecoach calibrate` to make a new one")
    assert "\n" not in message


@pytest.mark.parametrize(("voice", "command", "text", "refused"), [
    (USER, Command.PAUSE, "pause", False),
    (OTHER, Command.PAUSE, "pause", True),
    (OTHER, Command.STOP, "stop", False),
    (OTHER, Command.SAFETY, "my back hurts", False),
])
def test_the_locked_listener_refuses_only_other_voices_non_safety_commands(
        profile, voice, command, text, refused) -> None:
    samples = say(text, voice)
    posted: list[object] = []
    listener = scripted_listener(command, text, samples, posted)
    listener.lock_to(profile.judge)
    [heard] = listen_to(listener, samples)
    assert (heard.rejected_because or "").startswith("not your voice") is refused
    assert len(posted) == (0 if refused else 1)


def test_a_profile_helps_every_listener_and_the_lock_setting_locks_it(
        profile, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path))
    settings = load_settings().settings
    locked = settings.model_copy(update={
        "recognition": settings.recognition.model_copy(update={"voice_lock": True})})
    listener = Listener(ScriptedRecognizer(Command.PAUSE, "pause", 1.0), EchoGate(None))
    assert apply_voice_profile(listener, settings) is None
    assert calibration_hint() == CALIBRATE_HINT
    note = apply_voice_profile(listener, locked)
    assert note == (f"recognition.voice_lock is on but there is no voice profile "
                    f"({tmp_path / 'voice-profile.json'}): run `voicecoach calibrate`; every "
                    "voice is obeyed until then")
    save_profile(profile)
    assert calibration_hint() is None
    assert apply_voice_profile(listener, settings) == (
        "your voice profile (calibrated 2026-12-02T15:00) helps hear your commands")
    assert apply_voice_profile(listener, locked) == (
        "voice lock on: only your voice (calibrated 2026-12-02T15:00) is obeyed, except stop "
        "and safety phrases")


def test_a_refusal_for_the_voice_shows_on_the_live_view_and_in_the_timeline(tmp_path) -> None:
    reason = "not your voice: distance 4.76 > threshold 1.50"
    refused = Heard(Recognition(Command.PAUSE, "Pause.", 0.9, "whisper"), 1.0, 1.5, reason)
    echo = Heard(Recognition(Command.PAUSE, "Pause.", 0.9, "whisper"), 1.0, 1.5,
                 "echo of the coach's cue")
    assert voice_refusal(refused) == f"refused 'Pause.': {reason}"
    assert voice_refusal(echo) is None
    path = tmp_path / "timeline.jsonl"
    timeline = TimelineView(path, lambda: 3.0, CueTimer())
    timeline.recognized(refused)
    timeline.close()
    [record] = read_timeline(path)
    assert (record.event, record.detail, record.data["command"]) == ("heard", reason, "pause")


class CueTimer:
    def duration_s(self, text: str) -> float:
        return 1.0
