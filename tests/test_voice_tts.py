"""Rendering with the real pyttsx3 and the real espeak-ng program, choosing between them and Piper,
and falling back from one to the next."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import read_wav
from voicecoach.errors import SpeechError
from voicecoach.voice.tts import (
    EspeakNgRenderer,
    FallbackRenderer,
    Pyttsx3Renderer,
    VoiceInfo,
    all_voices,
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


def test_pyttsx3_rendering_never_swaps_sys_stdout(pyttsx3_renderer, tmp_path, capsys):
    # Swapping it from the engine thread raced with pytest's per-test capture: a stray "Audio
    # saved to ..." turned up in a later test's output (2026-12-03).
    stdout = sys.stdout
    seen = set()
    worker = threading.Thread(target=pyttsx3_renderer.render,
                              args=("Keep your lower back pressed down " * 3, tmp_path / "a.wav"))
    worker.start()
    while worker.is_alive():
        seen.add(id(sys.stdout))
    worker.join()
    assert seen <= {id(stdout)} and sys.stdout is stdout
    captured = capsys.readouterr()
    assert "Audio saved" not in captured.out + captured.err


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
    # an espeak-ng voice: auto then leaves the packaged Piper voice aside
    renderer, note = open_renderer("auto", "gmw/en-us", 165, "en-us",
                                   pyttsx3_driver="missing_driver")
    assert isinstance(renderer, EspeakNgRenderer)
    assert note.startswith("pyttsx3 cannot render (")
    assert "speech by the espeak-ng-" in note
    renderer.render("one", tmp_path / "one.wav")
    assert_speech(tmp_path / "one.wav")


def test_auto_prefers_the_natural_voice_when_one_is_installed():
    renderer, note = open_renderer("auto")
    assert isinstance(renderer, FallbackRenderer) and renderer.name == "piper"
    assert renderer.voice == "en_US-joe-medium"
    assert note == "speech by piper-tts-1.8.0, voice en_US-joe-medium, 165 wpm"
    renderer.close()


@pytest.mark.parametrize(("voice", "language"), [("", "fr"), ("gmw/en-us", "en-us"),
                                                 ("English_(Great_Britain)", "en-us")])
def test_auto_uses_pyttsx3_when_no_piper_voice_fits(voice, language):
    renderer, note = open_renderer("auto", voice, 165, language)
    assert isinstance(renderer, Pyttsx3Renderer)
    assert note == f"speech by {renderer.version}, voice {renderer.voice}, 165 wpm"


def test_engine_piper_names_its_missing_voice_and_how_to_fetch_it():
    with pytest.raises(SpeechError, match=r"no installed Piper voice 'en_US-lessac-medium'.*"
                       r"voicecoach voice download en_US-lessac-medium"):
        open_renderer("piper", "en_US-lessac-medium")
    with pytest.raises(SpeechError, match=r"no installed Piper voice speaks 'fr'"):
        open_renderer("piper", "", 165, "fr")


def test_a_piper_name_that_is_not_installed_says_how_to_fetch_it():
    with pytest.raises(SpeechError, match=r"the Piper voice 'en_US-lessac-medium' is not "
                       r"installed; fetch it with `voicecoach voice download en_US-lessac-medium`"):
        open_renderer("auto", "en_US-lessac-medium")


def test_unknown_engine_lists_the_engines():
    with pytest.raises(SpeechError, match="use auto, piper, pyttsx3 or espeak-ng"):
        open_renderer("festival")


def test_every_engine_lists_its_voices_together():
    piper, _ = open_renderer("auto")
    classic, _ = open_renderer("pyttsx3")
    for active in (piper, classic):
        voices = all_voices(active)
        assert voices[0] == VoiceInfo("en_US-joe-medium", "joe (medium, packaged)",
                                      ("en-us", "en"), "piper")
        assert {v.engine for v in voices[1:]} == {"pyttsx3"}
        assert "gmw/en-us" in {v.id for v in voices}


def test_engine_pyttsx3_does_not_fall_back():
    with pytest.raises(SpeechError, match="pyttsx3 cannot render"):
        open_renderer("pyttsx3", pyttsx3_driver="missing_driver")


def test_engine_espeak_ng_is_used_directly():
    renderer, note = open_renderer("espeak-ng")
    assert isinstance(renderer, EspeakNgRenderer) and not note.startswith("pyttsx3")
