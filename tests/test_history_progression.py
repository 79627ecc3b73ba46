"""Progression rules, case by case, in the order the module docstring lists them."""

from __future__ import annotations

import tomllib

import pytest

from voicecoach.commands import Command, contained_phrases
from voicecoach.files.paths import DEFAULT_CONFIG_FILE
from voicecoach.history.progression import (
    Change,
    ExerciseResult,
    SetResult,
    Suggestion,
    suggest,
    suggest_all,
)

LADDER = ("Bent knee", "Straight leg", "Hover")


def sets(*levels: int, reps: int = 10, planned: int | None = 10, cut_short: int | None = None
         ) -> tuple[SetResult, ...]:
    """Sets at the given rungs; `cut_short` is the index of a set stopped early."""
    return tuple(SetResult(level, reps if i != cut_short else 3, planned, i != cut_short)
                 for i, level in enumerate(levels))


def result(*levels: int, sets_planned: int = 3, start: int = 0, easier: int = 0,
           harder: int = 0, safety: int = 0, is_hold: bool = False, reps: int = 10,
           planned: int | None = 10, cut_short: int | None = None) -> ExerciseResult:
    return ExerciseResult("Leg lifts", LADDER, sets_planned,
                          sets(*levels, reps=reps, planned=planned, cut_short=cut_short),
                          start, easier, harder, safety, is_hold)


CASES = [
    # (name, result, previous, expected kind, expected rung)
    ("1 safety stop steps down from the easiest rung used",
     result(1, 1, 1, start=1, safety=1), None, Change.STEP_DOWN, 0),
    ("1 safety stop on the easiest rung stays there",
     result(0, 0, start=0, safety=1), None, Change.STAY, 0),
    ("1 safety stop beats a clean-looking session",
     result(2, 2, 2, start=2, safety=1), result(2, 2, 2, start=2), Change.STEP_DOWN, 1),
    ("2 easier twice: the easiest rung used, a step down from the start",
     result(1, 0, 0, start=2, easier=2), None, Change.STEP_DOWN, 0),
    ("2 easier twice on the starting rung: stay",
     result(0, 0, 0, start=0, easier=2), None, Change.STAY, 0),
    ("3 easier once: stay at the last rung",
     result(1, 1, 0, start=1, easier=1), None, Change.STAY, 0),
    ("3 a set cut short: stay",
     result(1, 1, 1, start=1, cut_short=1), None, Change.STAY, 1),
    ("3 too few reps: stay",
     result(1, 1, 1, start=1, reps=8), None, Change.STAY, 1),
    ("3 fewer sets than planned: stay",
     result(1, 1, start=1), None, Change.STAY, 1),
    ("4 harder held to the end: begin at the new rung",
     result(0, 1, 1, start=0, harder=1), None, Change.NEXT_VARIATION, 1),
    ("5a clean at the top rung: one more rep",
     result(2, 2, 2, start=2), result(2, 2, 2, start=2), Change.ONE_MORE_REP, 2),
    ("5b clean twice in a row at one rung: next variation",
     result(1, 1, 1, start=1), result(1, 1, 1, start=1), Change.NEXT_VARIATION, 2),
    ("5c clean once: one more rep",
     result(1, 1, 1, start=1), None, Change.ONE_MORE_REP, 1),
    ("5c clean, but last time was at another rung: one more rep",
     result(1, 1, 1, start=1), result(0, 0, 0), Change.ONE_MORE_REP, 1),
    ("5c clean, but last time was not clean: one more rep",
     result(1, 1, 1, start=1), result(1, 1, 1, start=1, easier=1), Change.ONE_MORE_REP, 1),
    ("6 mixed rungs without harder: stay at the last",
     result(0, 1, 1, start=0), None, Change.STAY, 1),
]


@pytest.mark.parametrize(("name", "now", "previous", "kind", "level"), CASES,
                         ids=[c[0] for c in CASES])
def test_rule(name: str, now: ExerciseResult, previous: ExerciseResult | None,
              kind: Change, level: int) -> None:
    suggestion = suggest(now, previous)
    assert suggestion is not None
    assert (suggestion.kind, suggestion.variation_level) == (kind, level)
    assert suggestion.text.startswith("Leg lifts: ")


def test_texts_name_the_rung_to_use() -> None:
    assert suggest(result(1, 1, 1, start=1), result(1, 1, 1, start=1)) == Suggestion(
        "Leg lifts", Change.NEXT_VARIATION,
        "Leg lifts: two clean workouts in a row at Straight leg: next time try Hover.", 2)
    clean_hold = suggest(result(0, 0, 0, is_hold=True, reps=0, planned=None))
    assert clean_hold is not None and "hold 5 seconds longer" in clean_hold.text


def test_an_exercise_not_done_gets_no_suggestion() -> None:
    assert suggest(result()) is None


def test_suggest_all_pairs_exercises_by_name() -> None:
    now = [result(1, 1, 1, start=1), ExerciseResult("Plank", ("Knee", "Full"), 2, ())]
    before = [result(1, 1, 1, start=1)]
    [legs] = suggest_all(now, before)
    assert legs.kind is Change.NEXT_VARIATION


def test_no_suggestion_contains_a_command_phrase() -> None:
    """The coach says these aloud; a command word inside would be heard as a command."""
    phrases = {Command(k): v for k, v in
               tomllib.loads(DEFAULT_CONFIG_FILE.read_text())["commands"].items()}
    inputs: list[tuple[ExerciseResult, ExerciseResult | None]] = [
        (now, previous) for _, now, previous, _, _ in CASES]
    inputs.append((result(0, 0, 0, is_hold=True), None))
    for now, previous in inputs:
        suggestion = suggest(now, previous)
        assert suggestion is not None
        assert contained_phrases(suggestion.text, phrases) == [], suggestion.text


@pytest.mark.parametrize("code", ["en", "ko"])
def test_every_rule_is_said_in_the_language_and_holds_no_command_phrase(code: str) -> None:
    from voicecoach.files.language import load_language

    language = load_language(code)
    hold = result(0, 0, 0, is_hold=True, reps=0, planned=None)
    cases = [(now, previous) for _, now, previous, _, _ in CASES] + [(hold, None)]
    texts = []
    for now, previous in cases:
        suggestion = suggest(now, previous, language.templates)
        assert suggestion is not None
        texts.append(suggestion.text.removeprefix("Leg lifts: "))
    assert {t: found for t in texts if (found := contained_phrases(t, language.phrases))} == {}
    rungs = "|".join(LADDER)
    if code == "ko":  # nothing English is left but the names from the routine
        import re

        assert [t for t in texts if re.search("[A-Za-z]", re.sub(rungs, "", t))] == []
    assert len(set(texts)) >= 8  # one text per rule, not one for all
