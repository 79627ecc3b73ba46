"""Finding installed Piper voices: the packaged one, downloaded ones, by name and by language."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.voice.piper_voices import find_voice, installed_voices, looks_like_piper_name


def fake_voice(folder: Path, name: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / f"{name}.onnx").write_bytes(b"model")
    (folder / name / f"{name}.onnx.json").write_text("{}")


@pytest.fixture
def voices(tmp_path: Path) -> Path:
    for name in ("de_DE-thorsten-medium", "en_GB-alba-medium", "en_US-joe-medium"):
        fake_voice(tmp_path, name)
    (tmp_path / ".en_US-lessac-medium-x1y2").mkdir()  # a download under way is not a voice
    (tmp_path / "en_US-half-medium").mkdir()  # nor a folder without its model
    (tmp_path / "en_US-half-medium" / "en_US-half-medium.onnx.json").write_text("{}")
    return tmp_path


def test_packaged_first_then_downloaded_and_each_name_once(voices):
    found = [(v.name, v.source) for v in installed_voices(voices)]
    assert found == [("en_US-joe-medium", "packaged"), ("de_DE-thorsten-medium", "downloaded"),
                     ("en_GB-alba-medium", "downloaded")]
    assert installed_voices(voices)[0].language == "en-us"


@pytest.mark.parametrize(("wanted", "language", "expected"), [
    ("", "en-us", "en_US-joe-medium"),
    ("", "en-gb", "en_GB-alba-medium"),
    ("", "de", "de_DE-thorsten-medium"),  # a language without region: its first voice
    ("", "en", "en_US-joe-medium"),
    ("", "fr", None),  # pyttsx3 speaks French; Piper has no French voice here
    ("EN_gb-ALBA-medium", "en-us", "en_GB-alba-medium"),  # by name, whatever the case
    ("en-gb-alba-medium", "en-us", "en_GB-alba-medium"),
    ("gmw/en-us", "en-us", None),  # an espeak-ng voice
    ("en_US-lessac-medium", "en-us", None),  # not installed (being downloaded)
])
def test_find_voice(voices, wanted, language, expected):
    found = find_voice(wanted, language, voices)
    assert (found.name if found else None) == expected


def test_piper_names():
    assert looks_like_piper_name("en_US-lessac-medium")
    assert looks_like_piper_name("de_DE-thorsten_emotional-x_low")
    assert not looks_like_piper_name("gmw/en-us")
    assert not looks_like_piper_name("English_(America)")
