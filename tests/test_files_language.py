"""Language files: complete, valid, and a broken one is one located line; numbers and sentences."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from voicecoach.commands import Command
from voicecoach.errors import ConfigError
from voicecoach.files import load_settings
from voicecoach.files.language import LANGUAGES_DIR, available_languages, read_language
from voicecoach.history import ExerciseSummary, Status, WorkoutSummary
from voicecoach.routine import load_routine
from voicecoach.session.wording import wording_for

SHIPPED = sorted(LANGUAGES_DIR.glob("*.toml"))
EN = LANGUAGES_DIR / "en.toml"


def keys(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every key path of a TOML document (number tables may differ: their names are free)."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and path != "numbers":
            yield from keys(value, f"{path}.")
        else:
            yield path


def test_english_and_korean_are_shipped_as_package_data() -> None:
    assert {"en", "ko"} <= set(available_languages())
    pyproject = tomllib.loads((LANGUAGES_DIR.parent.parent / "pyproject.toml").read_text())
    assert "languages/*.toml" in pyproject["tool"]["setuptools"]["package-data"]["voicecoach"]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_language_file_has_every_key_of_english_and_validates(path: Path) -> None:
    english = set(keys(tomllib.loads(EN.read_text(encoding="utf-8"))))
    mine = set(keys(tomllib.loads(path.read_text(encoding="utf-8"))))
    assert english - mine == set(), f"{path.name} lacks keys"
    assert mine - english == set(), f"{path.name} has keys English does not"
    assert read_language(path).code == path.stem


def broken(tmp_path: Path, old: str, new: str) -> str:
    """en.toml with one line changed; the error it gives, as printed."""
    text = EN.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "xx.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_language(path)
    assert len(caught.value.lines()) == 1, caught.value.lines()
    assert str(path) in caught.value.lines()[0]
    return caught.value.lines()[0]


def test_a_missing_sentence_is_one_located_line(tmp_path: Path) -> None:
    line = broken(tmp_path, 'paused = "Paused. Take your time."\n', "")
    assert "sentences.paused" in line and "missing" in line


def test_a_wrong_type_names_the_key_and_the_value(tmp_path: Path) -> None:
    line = broken(tmp_path, 'halfway = "Halfway."', "halfway = 3")
    assert ":" + str(EN.read_text().splitlines().index('halfway = "Halfway."') + 1) in line
    assert "sentences.halfway" in line and "got 3" in line


def test_a_missing_command_is_one_line(tmp_path: Path) -> None:
    line = broken(tmp_path, 'rest = ["rest", "take a break"]\n', "")
    assert "commands.rest" in line and "missing" in line


def test_a_template_with_an_unknown_value_or_number_table(tmp_path: Path) -> None:
    line = broken(tmp_path, 'recover = "{duration} to recover."', 'recover = "{time} to recover."')
    assert "templates.recover" in line and "{time}" in line and "duration" in line
    line = broken(tmp_path, 'more_sets = "Then {n:count} more sets."',
                  'more_sets = "Then {n:sino} more sets."')
    assert "templates.more_sets" in line and "count" in line


def test_a_sentence_with_a_command_phrase_is_one_located_line(tmp_path: Path) -> None:
    line = broken(tmp_path, 'resumed = "Back to it."', 'resumed = "Okay, continue."')
    assert "sentences.resumed" in line and "'continue'" in line and "hear itself" in line


def test_settings_take_the_phrases_of_their_language_and_override_per_key(tmp_path: Path) -> None:
    config = tmp_path / "ko.toml"
    config.write_text('[voice]\nlanguage = "ko"\n[commands]\nstop = ["정지", "스톱"]\n',
                      encoding="utf-8")
    settings = load_settings(config).settings
    assert settings.commands[Command.STOP] == ("정지", "스톱")
    assert settings.commands[Command.PAUSE] == ("멈춰",)  # from ko.toml
    assert load_settings().settings.commands[Command.PAUSE] == ("pause", "wait")
    assert load_settings(None, "ko").settings.commands[Command.PAUSE] == ("멈춰",)


def test_an_unknown_language_is_one_line_with_the_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, "xx")
    assert caught.value.lines() == [
        "--language: voice.language: no language file for this language (got 'xx'); use one of: "
        'en, ko (README, "Languages")']


def test_korean_counts_in_native_numbers_and_times_in_sino_korean() -> None:
    words = wording_for("ko")
    assert [words.count_text(n) for n in (1, 3, 10, 11, 13, 20, 24)] == [
        "하나", "셋", "열", "열하나", "열셋", "스물", "스물넷"]
    assert [words.countdown_text(s) for s in (10, 3, 2, 1)] == ["십 초", "셋", "둘", "하나"]
    assert words.seconds_words(30) == "삼십 초"
    assert words.recover_text(75) == "일 분 십오 초 동안 회복하세요."
    assert words.next_set_text(2, 3) == "다음은 세 세트 중 두 번째 세트예요."
    assert words.next_set_text(1, 3) == "다음은 세 세트 중 첫 번째 세트예요."
    assert words.reps_left_text(4) == "이번 다음에 네 번 남았어요."
    routine = load_routine(LANGUAGES_DIR.parent.parent / "routines" / "leg-lifts.ko.yaml")
    straight = routine.exercises[0].variations[1]
    assert words.plan_text(3, straight) == "세 세트, 열 번씩."
    assert words.count_text(3, words.side_of(3, routine.exercises[0].variations[0].sides)) == (
        "셋, 왼쪽")
    done = ExerciseSummary("다리 들어 올리기", 3, 3, 24, 30.0, straight.name)
    assert words.summary_text(WorkoutSummary("다리", Status.FINISHED, 490, (done,))) == (
        "오늘 모두 삼 세트, 이십사 회, 팔 분 십 초 동안 운동했어요.")
