"""Piper with the real engine and the packaged en_US-joe-medium voice, and the fallback to pyttsx3
when Piper is made to fail (a voice espeak cannot phonemize, a model that is not ONNX, no piper)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import read_wav
from voicecoach.errors import SpeechError
from voicecoach.files.paths import PROJECT_ROOT
from voicecoach.voice import CueCache
from voicecoach.voice.piper_tts import (
    LOUDNESS_DBFS,
    ONNX_THREADS,
    PEAK_LEVEL,
    PiperRenderer,
    active_rms,
)
from voicecoach.voice.piper_voices import find_voice, installed_voices
from voicecoach.voice.tts import EspeakNgRenderer, FallbackRenderer, Pyttsx3Renderer, open_renderer

JOE = next(v for v in installed_voices() if v.name == "en_US-joe-medium")


def speech_s(path: Path) -> float:
    samples, rate_hz = read_wav(path)
    assert rate_hz == 22_050
    assert np.sqrt(np.mean(samples**2)) > 0.03, "rendered audio is silent"
    return samples.size / rate_hz


@pytest.fixture(scope="module")
def piper() -> PiperRenderer:
    return PiperRenderer(JOE, 165)


def broken_voice(folder: Path, name: str, *, espeak_voice: str = "en-us",
                 model: bytes | None = None) -> Path:
    """A downloaded-style voice made from joe's files, broken on purpose (weights linked, never
    copied)."""
    voice = folder / name
    voice.mkdir(parents=True)
    config = JOE.config_path.read_text().replace('"voice": "en-us"', f'"voice": "{espeak_voice}"')
    (voice / f"{name}.onnx.json").write_text(config)
    if model is None:
        (voice / f"{name}.onnx").symlink_to(JOE.model_path)
    else:
        (voice / f"{name}.onnx").write_bytes(model)
    return folder


def test_the_packaged_voice_renders_speech_as_loud_as_espeak(piper, tmp_path):
    piper.render("Lift your legs slowly.", tmp_path / "cue.wav")
    assert 0.8 < speech_s(tmp_path / "cue.wav") < 3.0
    espeak = EspeakNgRenderer()
    for text in ("four", "And up.", "Keep your lower back pressed into the floor."):
        piper.render(text, tmp_path / "piper.wav")
        espeak.render(text, tmp_path / "espeak.wav")
        samples, rate_hz = read_wav(tmp_path / "piper.wav")
        loudness_db = 20 * np.log10(active_rms(samples, rate_hz))
        peak = np.abs(samples).max()
        assert peak <= PEAK_LEVEL + 1e-3
        # at the target, unless the peak ceiling held it back
        assert loudness_db == pytest.approx(LOUDNESS_DBFS, abs=0.2) or (
            loudness_db < LOUDNESS_DBFS and peak == pytest.approx(PEAK_LEVEL, abs=1e-3)), text
        theirs = 20 * np.log10(active_rms(*read_wav(tmp_path / "espeak.wav")))
        assert abs(loudness_db - theirs) < 3.0, text  # Piper's full-scale "four" was 5 dB louder
    assert piper.version.startswith("piper-tts-1.8.0/en_US-joe-medium-")
    assert (piper.name, piper.voice) == ("piper", "en_US-joe-medium")


def test_onnxruntime_runs_on_one_thread(piper):
    options = piper._piper.session.get_session_options()
    assert options.intra_op_num_threads == ONNX_THREADS == 1
    assert options.inter_op_num_threads == 1


def test_rate_changes_the_length(tmp_path):
    lengths = []
    for rate in (110, 250):
        PiperRenderer(JOE, rate).render("keep your lower back pressed into the floor",
                                        tmp_path / f"{rate}.wav")
        lengths.append(speech_s(tmp_path / f"{rate}.wav"))
    # Measured 1.78-1.83: Piper draws each phoneme's length with random noise (noise_w), and the
    # draws depend on how many sentences the loaded voice rendered before, so a margin is kept.
    assert lengths[0] > 1.6 * lengths[1]


def test_many_threads_share_one_voice(piper, tmp_path):
    errors: list[Exception] = []

    def render(i: int) -> None:
        try:
            piper.render(f"number {i}", tmp_path / f"{i}.wav")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=render, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for i in range(4):
        speech_s(tmp_path / f"{i}.wav")


def test_a_new_model_under_the_same_name_renders_afresh(tmp_path):
    folder = broken_voice(tmp_path / "voices", "en_US-copy-medium")
    copy = find_voice("en_US-copy-medium", "en-us", folder)
    assert copy is not None and copy.source == "downloaded"
    assert copy.fingerprint() == JOE.fingerprint()  # same files, same fingerprint
    cache = CueCache(PiperRenderer(copy), tmp_path / "cues")
    assert cache.prepare(["Halfway."]) == 1
    config = copy.config_path
    config.write_text(config.read_text().replace('"noise_scale": 0.667', '"noise_scale": 0.6'))
    retrained = CueCache(PiperRenderer(copy), tmp_path / "cues")
    assert retrained.path_for("Halfway.") != cache.path_for("Halfway.")
    assert retrained.prepare(["Halfway."]) == 1


def test_piper_that_cannot_phonemize_falls_back_to_pyttsx3_said_in_the_note(tmp_path):
    folder = broken_voice(tmp_path, "en_US-broken-medium", espeak_voice="zz-nothing")
    renderer, note = open_renderer("auto", "en_US-broken-medium", voices_dir=folder)
    assert isinstance(renderer, Pyttsx3Renderer) and renderer.voice == "gmw/en-us"
    assert note.startswith("Piper cannot speak (Piper could not render 'ready': "
                           "Failed to set voice: zz-nothing); speech by pyttsx3-2.99/")
    renderer.render("Lift.", tmp_path / "lift.wav")
    speech_s(tmp_path / "lift.wav")


def test_a_model_that_is_not_onnx_falls_back_too(tmp_path):
    folder = broken_voice(tmp_path, "en_US-garbage-medium", model=b"not a model")
    renderer, note = open_renderer("piper", "en_US-garbage-medium", voices_dir=folder)
    assert isinstance(renderer, Pyttsx3Renderer)
    assert note.startswith("Piper cannot speak (") and "speech by pyttsx3-" in note


def test_piper_failing_mid_workout_hands_over_once_and_keys_the_cache_by_pyttsx3(tmp_path):
    folder = broken_voice(tmp_path / "voices", "en_US-broken-medium", espeak_voice="zz-nothing")
    broken = PiperRenderer(find_voice("en_US-broken-medium", "en-us", folder))
    notices: list[str] = []
    renderer = FallbackRenderer(broken, lambda: open_renderer("pyttsx3"), notices.append)
    assert renderer.name == "piper"
    cache = CueCache(renderer, tmp_path / "cues")
    texts = ["Lift.", "Lower slowly.", "Halfway."]
    assert cache.prepare(texts) == 3
    assert renderer.name == "pyttsx3" and renderer.has_fallen_back
    assert len(notices) == 1
    assert notices[0].startswith("Piper could not render 'Lift.': Failed to set voice")
    assert notices[0].endswith("voice gmw/en-us, 165 wpm from now on")
    # every cue is filed under pyttsx3's key: a pyttsx3 cache finds them all
    assert CueCache(Pyttsx3Renderer(), tmp_path / "cues").prepare(texts) == 0
    assert 0.2 < cache.duration_s("Lift.") < cache.duration_s("Lower slowly.")


def test_a_fallback_that_fails_too_raises(tmp_path):
    class Failing:
        name, version, voice, rate_wpm = "failing", "failing-1", "", 165

        def render(self, text: str, path: Path) -> None:
            raise SpeechError(f"cannot say {text!r}")

        def voices(self) -> list:
            return []

        def close(self) -> None:
            pass

    notices: list[str] = []
    renderer = FallbackRenderer(Failing(), lambda: (Failing(), "speech by failing"),
                                notices.append)
    with pytest.raises(SpeechError, match="cannot say 'a'"):
        renderer.render("a", tmp_path / "a.wav")
    with pytest.raises(SpeechError, match="cannot say 'b'"):
        renderer.render("b", tmp_path / "b.wav")
    assert notices == ["cannot say 'a'; speech by failing from now on"]


def test_without_piper_installed_say_falls_back_with_one_line(tmp_path):
    shadow = tmp_path / "shadow" / "piper"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("piper is not installed here")\n')
    env = {**os.environ, "PYTHONPATH": str(shadow.parent)}
    out = tmp_path / "say.wav"
    done = subprocess.run([sys.executable, "-m", "voicecoach", "say", "Lift slowly.", "-o",
                           str(out)], env=env, capture_output=True, text=True, timeout=60,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, lines  # the fallback, then where the speech went
    assert lines[0].startswith("voicecoach: Piper cannot speak (ImportError: piper is not "
                               "installed here); speech by pyttsx3-2.99/")
    assert 0.5 < speech_s(out) < 3.0


def test_the_same_cue_takes_the_same_time_every_render(piper: PiperRenderer, tmp_path: Path) -> None:
    """Piper's duration noise is off: the workout fits cues into phases by their length."""
    lengths = set()
    for i in range(4):
        path = tmp_path / f"up-{i}.wav"
        piper.render("Up.", path)
        lengths.add(read_wav(path)[0].size)
    assert len(lengths) == 1, lengths  # with Piper's default noise: 0.33-0.38 s
