"""Capture on a real sounddevice InputStream from a virtual PulseAudio microphone, and device loss."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.ears import KO_PHRASES, korean_model_dir, korean_recognizer, silence, speech
from tests.fixtures.pulse import MIC_RATE_HZ, PulseServer, PulseUnavailable, _reinit_portaudio, pulse_fixture
from tests.fixtures.pulse import write_wav as write_test_wav
from voicecoach.audio import SAMPLE_RATE_HZ, resolve_device
from voicecoach.commands import Command
from voicecoach.ears import BLOCK_FRAMES, Capture, EchoGate, Listener
from voicecoach.ears.factory import microphone
from voicecoach.events import CommandHeard, MicrophoneBack, MicrophoneLost

pytestmark = pytest.mark.audio

pulse = pulse_fixture()


def wait_until(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class Events:
    """A thread-safe `post` that remembers everything posted."""

    def __init__(self) -> None:
        self.items: list[object] = []
        self._lock = threading.Lock()

    def __call__(self, event: object) -> None:
        with self._lock:
            self.items.append(event)

    def of(self, kind: type) -> list[object]:
        with self._lock:
            return [e for e in self.items if isinstance(e, kind)]


def test_blocks_of_100_ms_arrive_in_real_time(pulse) -> None:
    blocks: list[tuple[bytes, float]] = []
    capture = Capture(resolve_device("", "input"), lambda pcm, t: blocks.append((pcm, t)),
                      on_lost=lambda reason: None, on_back=lambda: None)
    capture.start()
    try:
        assert wait_until(lambda: len(blocks) >= 12, 8.0), f"only {len(blocks)} blocks"
    finally:
        capture.close()
    assert {len(pcm) for pcm, _ in blocks} == {BLOCK_FRAMES * 2}
    times = [t for _, t in blocks[2:]]
    span_s = times[-1] - times[0]
    assert span_s == pytest.approx((len(times) - 1) * 0.1, rel=0.35)


def test_open_ears_hears_speech_played_into_the_microphone(pulse, tmp_path: Path) -> None:
    from tests.fixtures.ears import korean_settings
    from voicecoach.ears import open_ears

    events = Events()
    listener, note = open_ears(korean_settings(), events, None, model=korean_model_dir())
    assert note == "recognizer: Vosk, model model (found via --model)"
    listener.start(events)
    try:
        # the virtual source can take ~2 s to deliver its first block; speak once it listens
        assert wait_until(lambda: listener.audio_s > 0.2, 8.0)
        words = [speech(KO_PHRASES[c][0])[: -SAMPLE_RATE_HZ] for c in (Command.STOP, Command.HARDER)]
        wav = write_test_wav(tmp_path / "two.wav", np.concatenate([*words, silence(1.2)]),
                             MIC_RATE_HZ)
        pulse.play_into_mic(wav)
        assert wait_until(lambda: len(events.of(CommandHeard)) >= 2, 5.0)
    finally:
        listener.close()
    assert [e.command for e in events.of(CommandHeard)] == [Command.STOP, Command.HARDER]
    assert events.of(MicrophoneLost) == []


def test_losing_the_device_posts_lost_then_back() -> None:
    try:
        first = PulseServer()
    except (PulseUnavailable, OSError) as exc:
        pytest.skip(f"virtual audio unavailable: {exc}")
    try:
        second = PulseServer()  # the "device" that comes back (a new daemon), started ahead
    except (PulseUnavailable, OSError) as exc:
        first.stop()
        pytest.skip(f"virtual audio unavailable: {exc}")
    events = Events()
    listener = Listener(korean_recognizer(), EchoGate(None))
    try:
        with first.applied():
            _reinit_portaudio()
            listener = Listener(korean_recognizer(), EchoGate(None),
                                microphone(resolve_device("", "input")))
            listener.start(events)
            assert wait_until(lambda: listener.audio_s > 0.5, 8.0)
            assert events.of(MicrophoneLost) == []
            # From the kill on, every reopening must find the second daemon: between the two,
            # this module's own `pulse` daemon would answer, and the words go to the second.
            with second.applied():
                os.kill(int(first.pid_file.read_text().split()[0]), signal.SIGTERM)
                killed_at = time.monotonic()
                assert wait_until(lambda: events.of(MicrophoneLost), 5.0), "loss not noticed"
                assert time.monotonic() - killed_at < 3.0
                assert wait_until(lambda: events.of(MicrophoneBack), 12.0), "return not noticed"
                wav = write_test_wav(second.runtime_dir / "stop.wav", speech("정지"), MIC_RATE_HZ)
                second.play_into_mic(wav)
                assert wait_until(lambda: events.of(CommandHeard), 5.0)
    finally:
        listener.close()
        first.stop()
        second.stop()
        _reinit_portaudio()
    assert [type(e).__name__ for e in events.items] == [
        "MicrophoneLost", "MicrophoneBack", "CommandHeard"]


# ---- the coach's own voice through the speaker, looped back into the microphone -----------


class KoreanCues:
    """CueAudio for the player: Korean cue speech (the recognizer under test is Korean)."""

    rate_hz = SAMPLE_RATE_HZ

    def audio(self, text: str) -> np.ndarray:
        return speech(text)[int(0.5 * SAMPLE_RATE_HZ) : -SAMPLE_RATE_HZ]


ECHO_CUE = "숨을 깊게 다리를 바닥에"  # "breathe deeply, legs to the floor": no command word

AEC_MODULE = (
    "module-echo-cancel", "source_master=vmic", "sink_master=spk", "source_name=aec_mic",
    "sink_name=aec_spk", "aec_method=webrtc",
    'aec_args="analog_gain_control=0 digital_gain_control=0"',
)
"""PulseAudio's WebRTC echo canceller as the README recommends (gain control off, see NOTES)."""


def coach_and_ears(speaking, events, heard):
    """A real player and a real listener on the current default devices."""
    from voicecoach.voice import SoundDevicePlayer

    player = SoundDevicePlayer(KoreanCues(), resolve_device("", "output"), speaking=speaking)
    listener = Listener(korean_recognizer(), EchoGate(speaking),
                        microphone(resolve_device("", "input")), on_heard=heard.append)
    listener.start(events)
    assert wait_until(lambda: listener.audio_s > 0.2, 8.0)
    return player, listener


@pytest.mark.slow
def test_cue_echo_through_the_speaker_triggers_nothing_and_aec_removes_it(
    pulse, tmp_path
) -> None:
    from voicecoach.echo.coach_speech import SpeakingSignal
    from voicecoach.events import Cue

    echo = pulse.enable_echo()  # the speaker is heard by the microphone at full level
    speaking, events, heard = SpeakingSignal(), Events(), []
    player, listener = coach_and_ears(speaking, events, heard)
    try:
        player.say(Cue(ECHO_CUE))
        assert player.wait_idle(10.0)
        time.sleep(1.5)
    finally:
        listener.close()
        player.close()
    assert heard, "the echo should have reached the recognizer"
    assert events.items == [], "the coach obeyed its own voice"

    aec = pulse.pactl("load-module", *AEC_MODULE).strip()
    pulse.pactl("set-default-source", "aec_mic")
    pulse.pactl("set-default-sink", "aec_spk")
    heard.clear()
    player, listener = coach_and_ears(speaking, events, heard)
    try:
        player.say(Cue(ECHO_CUE))
        assert player.wait_idle(10.0)
        time.sleep(1.0)
        assert heard == [], "the echo canceller should leave nothing to recognize"
        pulse.play_into_mic(write_test_wav(tmp_path / "stop.wav", speech("정지"), MIC_RATE_HZ))
        assert wait_until(lambda: events.of(CommandHeard), 4.0)
    finally:
        listener.close()
        player.close()
        pulse.pactl("unload-module", aec)
        pulse.pactl("set-default-source", "vmic")
        pulse.pactl("set-default-sink", "spk")
        pulse.disable_echo(echo)
    assert [e.command for e in events.of(CommandHeard)] == [Command.STOP]


def test_listen_cli_prints_commands_heard_on_the_microphone(pulse, tmp_path, capsys,
                                                           monkeypatch) -> None:
    from tests.fixtures.ears import korean_settings
    from voicecoach.cli import main, voice_in
    from voicecoach.files.settings import LoadedSettings

    settings = korean_settings()
    monkeypatch.setattr(voice_in, "load_settings",
                        lambda config=None, language=None: LoadedSettings(settings, {}, ()))
    wav = write_test_wav(tmp_path / "pause.wav", speech("멈춰"), MIC_RATE_HZ)
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(
        ["listen", "--model", str(korean_model_dir()), "--seconds", "6"])))
    thread.start()
    time.sleep(2.5)  # model load and the source's wake-up
    pulse.play_into_mic(wav)
    thread.join(timeout=15)
    out, err = capsys.readouterr()
    assert result == [0]
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(x["command"], x["text"], x["backend"]) for x in lines] == [("pause", "멈춰", "vosk")]
    assert 1.0 < lines[0]["t"] < 6.0  # played 2.5 s after main() began, less its start-up
    assert "listening" in err


def test_devices_marks_the_chosen_input_and_output(pulse, capsys) -> None:
    from voicecoach.cli import main

    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    chosen = [line for line in out.splitlines() if line.startswith("*")]
    assert len(chosen) == 1 and chosen[0].endswith("<- input and output")
    assert "pulse" in out and "default" in out
