"""The coach's voice written to WAV: live at real elapsed times (--audio-out), and offline (render)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.fixtures.voice_out import RATE_HZ, ToneCues, first_frame_with
from voicecoach.audio import read_wav
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.events import CUE_GAP_S, Cue, CueKind, Earcon, Event, SpeechFinished, SpeechStarted
from voicecoach.voice import WavFileVoice, mix_timeline
from voicecoach.voice.cue_cache import CueCache
from voicecoach.voice.earcons import earcon_duration_s
from voicecoach.voice.tts import open_renderer

pytestmark = pytest.mark.realtime  # the WAV voice keeping real time


def test_mix_places_each_cue_at_its_time(tmp_path):
    records = [(0.5, "440 0.5"), (2.0, Cue("660 0.5", CueKind.COUNT)), (3.25, "880 0.25")]
    length_s = mix_timeline(records, ToneCues(), 5.0, tmp_path / "out.wav")
    samples, rate_hz = read_wav(tmp_path / "out.wav")
    assert rate_hz == RATE_HZ and samples.size == 5 * RATE_HZ and length_s == 5.0
    for at_s, freq in ((0.5, 440), (2.0, 660), (3.25, 880)):
        frame = first_frame_with(samples, freq, window=221)
        assert frame is not None and abs(frame / RATE_HZ - at_s) < 0.02
    assert not np.any(samples[: int(0.5 * RATE_HZ) - 1])
    assert not np.any(samples[int(3.5 * RATE_HZ) + 1 :])


def test_mix_applies_the_players_policy(tmp_path):
    records = [
        (0.0, Cue("440 2", CueKind.FORM)),
        (1.0, Cue("1000 0.5", CueKind.SAFETY)),  # cuts the form cue
        (1.1, Cue("1300 0.5", CueKind.FORM)),  # would wait 0.4 s behind safety: dropped
        (1.2, Earcon.UNDERSTOOD),  # queued behind the safety cue
    ]
    mix_timeline(records, ToneCues(), 3.0, tmp_path / "out.wav")
    samples, _ = read_wav(tmp_path / "out.wav")
    assert first_frame_with(samples, 440, start=int(1.02 * RATE_HZ)) is None
    assert first_frame_with(samples, 1300) is None
    understood = first_frame_with(samples, 660, window=221)
    assert understood is not None and abs(understood / RATE_HZ - (1.5 + CUE_GAP_S)) < 0.02


def test_mix_plays_out_the_last_cue_and_stops_there(tmp_path):
    length_s = mix_timeline([(0.5, "440 1")], ToneCues(), 1.0, tmp_path / "out.wav")
    assert length_s == pytest.approx(1.5, abs=1 / RATE_HZ)
    assert earcon_duration_s(Earcon.SET_DONE) == pytest.approx(0.33)


def test_mix_with_real_speech(tmp_path):
    renderer, _ = open_renderer()
    cache = CueCache(renderer, tmp_path / "cues")
    records = [(0.2, "Get in position."), (3.0, Cue("one", CueKind.COUNT))]
    mix_timeline(records, cache, 4.0, tmp_path / "out.wav", volume=0.5)
    samples, _ = read_wav(tmp_path / "out.wav")
    start = int(0.2 * RATE_HZ)
    speech = samples[start : start + int(cache.duration_s("Get in position.") * RATE_HZ)]
    assert np.sqrt(np.mean(speech**2)) > 0.01
    assert np.abs(samples).max() <= 0.5 + 1e-3  # volume applied
    assert np.abs(samples[int(3.0 * RATE_HZ) : int(3.1 * RATE_HZ)]).max() > 0.02


def test_live_file_voice_places_cues_at_real_elapsed_times(tmp_path):
    events: list[Event] = []
    speaking = SpeakingSignal()
    voice = WavFileVoice(ToneCues(), tmp_path / "live.wav", 1.0, events.append, speaking)
    begin = time.monotonic()
    for due_s, text in ((0.1, "440 0.2"), (0.5, "880 0.3")):
        time.sleep(max(0.0, begin + due_s - time.monotonic()))
        voice.say(Cue(text, CueKind.COUNT))
    voice.earcon(Earcon.SET_DONE)  # waits for the count, then is still playing at close
    time.sleep(0.2)
    assert events == [SpeechStarted("440 0.2"), SpeechFinished("440 0.2"), SpeechStarted("880 0.3")]
    time.sleep(0.15)
    voice.close()
    samples, _ = read_wav(tmp_path / "live.wav")
    for due_s, freq in ((0.1, 440), (0.5, 880), (0.8 + CUE_GAP_S, 523)):
        frame = first_frame_with(samples, freq, window=221)
        assert frame is not None and abs(frame / RATE_HZ - due_s) < 0.03, (freq, frame)
    ends_s = 0.8 + CUE_GAP_S + earcon_duration_s(Earcon.SET_DONE)
    assert samples.size / RATE_HZ == pytest.approx(ends_s, abs=0.03)
    assert events[-1] == SpeechFinished("880 0.3")
    assert speaking.recent_texts(0.0) == ["440 0.2", "880 0.3", "<set_done>"]


def test_a_silent_workout_still_writes_its_length(tmp_path):
    voice = WavFileVoice(ToneCues(), tmp_path / "quiet.wav")
    time.sleep(0.1)
    voice.close()
    samples, _ = read_wav(tmp_path / "quiet.wav")
    assert 0.09 < samples.size / RATE_HZ < 0.2 and not samples.any()


def test_the_file_voice_changes_volume_mid_cue(tmp_path):
    voice = WavFileVoice(ToneCues(), tmp_path / "volume.wav", 1.0)
    voice.say(Cue("440 1", CueKind.INFO))
    time.sleep(0.5)
    voice.set_volume(0.5)
    voice.close()
    samples, _ = read_wav(tmp_path / "volume.wav")
    early, late = samples[: int(0.4 * RATE_HZ)], samples[int(0.7 * RATE_HZ) : int(0.95 * RATE_HZ)]
    assert np.abs(early).max() == pytest.approx(0.5, abs=0.01)
    assert np.abs(late).max() == pytest.approx(0.25, abs=0.01)
