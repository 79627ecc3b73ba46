"""Routine translations: texts only, by id, over the original's structure; mistakes are located."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voicecoach.errors import RoutineError
from voicecoach.files import paths
from voicecoach.routine import find_routine, load_routine

ORIGINAL = paths.SHIPPED_ROUTINES_DIR / "leg-lifts.yaml"
KOREAN = paths.SHIPPED_ROUTINES_DIR / "leg-lifts.ko.yaml"


def test_the_korean_leg_lifts_keep_the_structure_and_translate_every_spoken_text() -> None:
    english, korean = load_routine(ORIGINAL), load_routine(KOREAN)
    for ex_en, ex_ko in zip(english.exercises, korean.exercises, strict=True):
        assert (ex_en.id, ex_en.sets, ex_en.rest_between_sets_s, ex_en.start_at) == (
            ex_ko.id, ex_ko.sets, ex_ko.rest_between_sets_s, ex_ko.start_at)
        for v_en, v_ko in zip(ex_en.variations, ex_ko.variations, strict=True):
            assert (v_en.id, v_en.tempo, v_en.reps, v_en.sides, v_en.start_phase) == (
                v_ko.id, v_ko.tempo, v_ko.reps, v_ko.sides, v_ko.start_phase)
            assert v_en.name != v_ko.name
    spoken = [*korean.all_cue_texts(), *(v.name for v in korean.exercises[0].variations)]
    assert [t for t in spoken if re.search("[A-Za-z]", t)] == []
    cues = " ".join(korean.all_cue_texts())
    for care in ("숨을 내쉬며 올리세요", "허리를 바닥에 붙이세요", "올릴 때보다 천천히 내리세요"):
        assert care in cues
    assert "허리" in (korean.exercises[0].safety or "")


def test_the_settings_language_finds_the_translation_by_name() -> None:
    assert find_routine("leg-lifts", "ko") == KOREAN
    assert find_routine("leg-lifts", "en-us") == ORIGINAL
    assert find_routine("leg-lifts") == ORIGINAL


def translation(tmp_path: Path, body: str) -> str:
    path = tmp_path / "leg-lifts.xx.yaml"
    path.write_text(f"translates: {ORIGINAL}\nlanguage: xx\n{body}", encoding="utf-8")
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert len(caught.value.lines()) == 1, caught.value.lines()
    return caught.value.lines()[0]


def test_an_unknown_id_is_one_located_line(tmp_path: Path) -> None:
    line = translation(tmp_path, "exercises:\n  leg-lifts:\n    variations:\n      toe-taps:\n"
                                 "        name: Zehentippen\n")
    assert ":6:" in line and "toe-taps" in line and "heel-taps" in line


def test_a_translation_cannot_change_the_structure(tmp_path: Path) -> None:
    line = translation(tmp_path, "exercises:\n  leg-lifts:\n    sets: 5\n")
    assert "exercises.leg-lifts.sets" in line and "unknown key" in line


def test_a_translation_without_its_original_names_its_own_file_and_field(tmp_path: Path) -> None:
    moved = tmp_path / "leg-lifts.ko.yaml"
    moved.write_text(KOREAN.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RoutineError) as caught:
        load_routine(moved)
    assert caught.value.lines() == [
        f"{moved}:8: translates: no such routine file beside this one (got 'leg-lifts.yaml'); "
        "name the original routine's file, in the same folder"]
