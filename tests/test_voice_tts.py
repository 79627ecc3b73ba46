"""Rendering with the real pyttsx3 and the real espeak-ng program, and falling back between them."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import read_wav
from voicecoach.errors import SpeechError
from voicecoach.voice.tts import (
    EspeakNgRenderer,
    Pyttsx3Renderer,
    VoiceInfo,
    choose_voice,
    open_renderer,
)

VOICES = [
    VoiceInfo("gmw/en", "English_(Great_Britain)", ("en-gb", "en")),
    VoiceInfo("gmw/en-us", "English_(America)", ("en-us", "en")),
    VoiceInfo("roa/fr", "French", ("fr-fr", "fr")),
]


@pytest.mark.parametrize(
    ("wanted", "language", "expected"),
    [
        ("", "en-us", "gmw/en-us"),  # empty: the language's voice
        ("", "fr", "roa/fr"),
        ("", "xx", ""),  # no voice for the language: the engine's default
        ("gmw/en", "en-us", "gmw/en"),  # by id
        ("english (great britain)", "en-us", "gmw/en"),  # by name, as people type it
        ("EN-US", "fr", "gmw/en-us"),  # by the id's last part
    ],
)
def test_choose_voice(wanted, language, expected):
    assert choose_voice(VOICES, wanted, language) == expected


def test_unknown_voice_says_how_to_list_voices():
    with pytest.raises(SpeechError, match=r"voice\.voice: no installed voice 'robot'.*voicecoach voices"):
        choose_voice(VOICES, "robot", "en-us")


def assert_speech(path: Path) -> float:
    samples, rate_hz = read_wav(path)
    assert rate_hz == 22_050
    assert np.sqrt(np.mean(samples**2)) > 0.02, "rendered audio is silent"
    return samples.size / rate_hz


@pytest.fixture(scope="module")
def pyttsx3_renderer():
    renderer = Pyttsx3Renderer("", 165, "en-us")
    yield renderer
    renderer.close()


def test_pyttsx3_renders_speech_quietly(pyttsx3_renderer, tmp_path, capsys):
    pyttsx3_renderer.render("Lift your legs slowly", tmp_path / "cue.wav")
    assert 0.8 < assert_speech(tmp_path / "cue.wav") < 4.0
    assert "Audio saved" not in capsys.readouterr().out
    assert pyttsx3_renderer.version.startswith("pyttsx3-2.99/libespeak-ng-")
    assert pyttsx3_renderer.voice == "gmw/en-us"


def test_pyttsx3_rate_changes_the_length(tmp_path):
    lengths = []
    for rate in (120, 300):
        renderer = Pyttsx3Renderer("", rate, "en-us")
        renderer.render("keep your lower back pressed into the floor", tmp_path / f"{rate}.wav")
        lengths.append(assert_speech(tmp_path / f"{rate}.wav"))
        renderer.close()
    assert lengths[0] > 1.8 * lengths[1]


def test_pyttsx3_serves_many_threads_on_its_one_engine(pyttsx3_renderer, tmp_path):
    errors: list[Exception] = []

    def render(i: int) -> None:
        try:
            pyttsx3_renderer.render(f"number {i}", tmp_path / f"{i}.wav")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=render, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for i in range(6):
        assert_speech(tmp_path / f"{i}.wav")


def test_voices_are_listed_by_both_engines(pyttsx3_renderer):
    ids = {v.id for v in pyttsx3_renderer.voices()}
    assert "gmw/en-us" in ids
    assert "gmw/en-us" in {v.id for v in EspeakNgRenderer().voices()}


def test_espeak_ng_program_renders(tmp_path):
    renderer = EspeakNgRenderer("", 165, "en-us")
    renderer.render("-5 seconds left", tmp_path / "cue.wav")  # a leading dash is text, not an option
    assert assert_speech(tmp_path / "cue.wav") > 0.8
    assert renderer.version.startswith("espeak-ng-1.")


def test_auto_falls_back_to_espeak_ng_when_pyttsx3_fails(tmp_path):
    renderer, note = open_renderer("auto", "", 165, "en-us", pyttsx3_driver="missing_driver")
    assert isinstance(renderer, EspeakNgRenderer)
    assert note.startswith("pyttsx3 cannot render (")
    assert "speech by the espeak-ng-" in note
    renderer.render("one", tmp_path / "one.wav")
    assert_speech(tmp_path / "one.wav")


def test_auto_prefers_pyttsx3():
    renderer, note = open_renderer("auto")
    assert isinstance(renderer, Pyttsx3Renderer)
    assert note == "speech by " + renderer.version + ", voice gmw/en-us, 165 wpm"
    renderer.close()


def test_engine_pyttsx3_does_not_fall_back():
    with pytest.raises(SpeechError, match="pyttsx3 cannot render"):
        open_renderer("pyttsx3", pyttsx3_driver="missing_driver")


def test_engine_espeak_ng_is_used_directly():
    renderer, note = open_renderer("espeak-ng")
    assert isinstance(renderer, EspeakNgRenderer) and not note.startswith("pyttsx3")
