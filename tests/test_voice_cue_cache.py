"""The disk cache of rendered cues, with the real Piper (packaged voice) and the real pyttsx3:
render once, measure, never again."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio import read_wav, resample
from voicecoach.files.paths import PROJECT_ROOT
from voicecoach.routine import load_routine
from voicecoach.voice.cue_cache import CueCache, estimate_duration_s, trim_silence
from voicecoach.voice.tts import EspeakNgRenderer, open_renderer

ROUTINE = PROJECT_ROOT / "routines" / "leg-lifts.yaml"


@pytest.fixture(scope="module", params=["piper", "pyttsx3"])
def renderer(request):
    renderer, note = open_renderer(request.param, "", 165, "en-us")
    assert renderer.name == request.param, note
    return renderer


def test_routine_renders_once_then_never_again(renderer, tmp_path):
    texts = [*load_routine(ROUTINE).all_cue_texts(), "one", "two", "three"]
    seen: list[tuple[int, int, str]] = []
    cache = CueCache(renderer, tmp_path)
    assert cache.prepare(texts, lambda *p: seen.append(p)) == len(texts)
    assert seen[0] == (0, len(texts), texts[0]) and seen[-1] == (len(texts), len(texts), "")
    files = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.wav")}
    assert len(files) == len(texts)

    again: list[tuple[int, int, str]] = []
    fresh = CueCache(renderer, tmp_path)  # as in a second run of the program
    assert fresh.prepare(texts, lambda *p: again.append(p)) == 0
    assert again == []
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.wav")} == files


def test_rendered_cues_are_speech_with_measured_durations(renderer, tmp_path):
    cache = CueCache(renderer, tmp_path)
    short, long = "Up.", "Press your lower back into the floor, and breathe out as you lift."
    assert cache.duration_s(long) == estimate_duration_s(long, renderer.rate_wpm)
    cache.prepare([short, long])
    for text in (short, long):
        samples, rate_hz = read_wav(cache.path_for(text))
        assert rate_hz == cache.rate_hz
        assert np.sqrt(np.mean(samples**2)) > 0.03, f"{text!r} is silent"
        assert np.abs(samples[:20]).max() > 0.0 or np.abs(samples[:200]).max() > 0.01
        assert cache.duration_s(text) == pytest.approx(samples.size / rate_hz)
    assert 0.2 < cache.duration_s(short) < 1.0 < 2.5 < cache.duration_s(long) < 6.0
    # espeak's ~0.33 s of trailing silence is gone, so the duration is the speech itself
    tail = read_wav(cache.path_for(long))[0][-int(0.05 * cache.rate_hz):]
    assert np.abs(tail).max() > 0.01


def test_audio_renders_on_demand_and_keeps_it(renderer, tmp_path):
    cache = CueCache(renderer, tmp_path)
    samples = cache.audio("Never prepared.")
    assert samples.dtype == np.float32 and samples.size > 0
    assert cache.is_cached("Never prepared.")
    assert cache.audio("Never prepared.") is samples


def test_key_covers_voice_rate_and_engine(renderer, tmp_path):
    fast, _ = open_renderer(renderer.name, "", 250, "en-us")
    espeak = EspeakNgRenderer("", 165, "en-us")
    british, _ = open_renderer("auto", "gmw/en", 165, "en-us")
    other = "pyttsx3" if renderer.name == "piper" else "piper"
    other_engine, _ = open_renderer(other, "", 165, "en-us")
    paths = {CueCache(r, tmp_path).path_for("Halfway.")
             for r in (renderer, fast, espeak, british, other_engine)}
    assert len(paths) == 5
    # A sentence, not a word: Piper draws each phoneme's length at random (its noise_w), and the
    # draws depend on what the loaded voice rendered before; over one word they moved the 250 to
    # 165 wpm ratio from 0.72 to 0.81 in a whole-suite run, over this sentence they average out
    # (0.75 in a fresh process; espeak-ng and pyttsx3: ~0.66).
    sentence = "Keep your lower back pressed into the floor, and breathe out as you lift."
    quick, normal = CueCache(fast, tmp_path), CueCache(renderer, tmp_path)
    assert quick.prepare([sentence]) == normal.prepare([sentence]) == 1
    assert quick.duration_s(sentence) < 0.85 * normal.duration_s(sentence)


def test_espeak_ng_fallback_fills_the_cache(tmp_path):
    renderer, note = open_renderer("auto", "gmw/en-us", 165, "en-us",
                                   pyttsx3_driver="missing_driver")
    assert "espeak-ng" in note
    cache = CueCache(renderer, tmp_path)
    assert cache.prepare(["Lift.", "Lower slowly."]) == 2
    assert cache.duration_s("Lower slowly.") > cache.duration_s("Lift.") > 0.2


def test_trim_silence_keeps_a_short_tail():
    rate = 1000
    sound = np.concatenate([np.zeros(300), np.full(500, 0.5), np.zeros(400)]).astype(np.float32)
    trimmed = trim_silence(sound, rate)
    assert trimmed.size == 500 + 40 and trimmed[0] == 0.5
    assert trim_silence(np.zeros(10, dtype=np.float32), rate).size == 0


def test_resample_keeps_duration_and_pitch():
    t = np.arange(16000) / 16000
    tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    out = resample(tone, 16000, 22050)
    assert out.size == 22050
    peak_hz = np.fft.rfftfreq(out.size, 1 / 22050)[np.argmax(np.abs(np.fft.rfft(out)))]
    assert abs(peak_hz - 440) < 2


def test_prepare_workout_renders_everything_said_without_commands(renderer, tmp_path):
    from voicecoach.cli.workout import prepare_workout
    from voicecoach.files import load_settings
    from voicecoach.sim import simulate

    routine, settings = load_routine(ROUTINE), load_settings().settings
    cache = CueCache(renderer, tmp_path)
    assert prepare_workout(cache, routine, settings) > len(routine.all_cue_texts())
    said = {r.text for r in simulate(routine, settings, cue_timer=cache) if r.text}
    assert all(cache.is_cached(text) for text in said | set(routine.all_cue_texts()))
    assert prepare_workout(cache, routine, settings) == 0
