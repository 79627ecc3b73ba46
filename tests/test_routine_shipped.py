"""The routines we ship: valid, round-trippable, never saying a command, and true to their plan."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from voicecoach.cli import main
from voicecoach.cli.files import routine_schema
from voicecoach.commands import Command, contained_phrases
from voicecoach.files import paths
from voicecoach.files.language import LANGUAGES_DIR
from voicecoach.routine import Phase, Routine, Sides, load_routine, load_routine_text
from voicecoach.session import fitting, wording
from voicecoach.sim import planned_duration_s

SHIPPED = sorted(paths.SHIPPED_ROUTINES_DIR.glob("*.yaml"))

LEG_LIFT_LADDER = [
    ("heel-taps", "Bent-knee heel taps"),
    ("straight-leg", "Straight-leg lifts"),
    ("slow-straight-leg", "Slow straight-leg lifts"),
    ("hover", "Hover leg lifts"),
    ("t-arms", "Leg lifts, arms in a T"),
    ("medicine-ball", "Medicine-ball leg lifts"),
    ("seated-bench", "Seated bench leg raises"),
    ("dip-bar", "Dip-bar leg raises"),
    ("hanging", "Hanging leg raises"),
]


def command_phrases() -> dict[Command, list[str]]:
    """The phrases the recognizer listens for, straight from the shipped English language file."""
    with (LANGUAGES_DIR / "en.toml").open("rb") as file:
        return {Command(key): value for key, value in tomllib.load(file)["commands"].items()}


def shipped(name: str) -> Routine:
    return load_routine(paths.SHIPPED_ROUTINES_DIR / f"{name}.yaml")


def spoken_and_shown_texts(routine: Routine) -> Iterator[str]:
    """Everything the coach says (the routine's texts and the sentences built from them), plus
    descriptions, which a future `what's next` may read out."""
    yield from routine.all_cue_texts()
    yield from wording.all_texts(routine)
    yield routine.name
    yield routine.description
    for exercise in routine.exercises:
        yield exercise.description
        yield from (variation.description for variation in exercise.variations)


def test_at_least_three_routines_are_shipped() -> None:
    assert {"leg-lifts", "beginner-core-10min", "leg-lift-progression-test"} <= {
        p.stem for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_routine_loads_and_round_trips(path: Path) -> None:
    routine = load_routine(path)
    assert load_routine_text(routine.to_yaml()) == routine


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_coach_never_says_a_command_phrase(path: Path) -> None:
    phrases = command_phrases()
    offending = {text: found for text in spoken_and_shown_texts(load_routine(path))
                 if (found := contained_phrases(text, phrases))}
    assert offending == {}


def test_the_phrase_check_would_catch_a_command_in_a_cue() -> None:
    assert contained_phrases("Lower slowly, slower than you lift.", command_phrases()) == [
        "slower"]
    assert contained_phrases("inhale, lower slowly", command_phrases()) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_phase_cue_pool_has_a_cue_that_fits_its_phase(path: Path) -> None:
    """Some variant of each phase cue, after the rep count on a rep's first phase, ends before
    the next phase begins (the engine's own timing estimate at the default speaking rate)."""
    timer = fitting.EstimatedCueTimer()
    too_long = []
    for exercise in load_routine(path).exercises:
        for variation in exercise.variations:
            if variation.tempo is None or variation.reps is None:
                continue
            count = wording.count_text(variation.reps, wording.side_of(variation.reps, variation.sides))
            for index, (phase, phase_s) in enumerate(
                    variation.tempo.phases_from(variation.start_phase)):
                before = [count] if index == 0 else []
                pool = variation.cues.phases.get(phase, ())
                if pool and min(fitting.speech_s([*before, text], timer) for text in pool) > (
                        phase_s - fitting.MARGIN_S):
                    too_long.append((variation.id, phase.value, pool))
    assert too_long == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_routine_matches_the_json_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    # Editors see YAML keys as strings, as JSON does (rep numbers included).
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8"))))
    if "translates" in data:
        pytest.skip("a translation gives texts by id (routine/translation.py), not a routine")
    jsonschema.validate(data, routine_schema())


def test_readme_routine_example_loads_and_says_no_command_phrase() -> None:
    readme = (paths.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"### A complete example.*?```yaml\n(.*?)```", readme, re.DOTALL)
    if example is None:
        pytest.skip("the README has no routine example yet")
    routine = load_routine_text(example.group(1), "README.md")
    phrases = command_phrases()
    assert [text for text in wording.all_texts(routine) if contained_phrases(text, phrases)] == []


def test_check_passes_on_every_shipped_routine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *map(str, SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert all(f"{path}: ok" in out for path in SHIPPED)


def test_show_leg_lifts_lists_the_nine_variations_easy_to_hard_with_tempo(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["show", "leg-lifts"]) == 0
    lines = capsys.readouterr().out.splitlines()
    variations = shipped("leg-lifts").exercises[0].variations
    positions = []
    for (_, name), variation in zip(LEG_LIFT_LADDER, variations, strict=True):
        row = next(i for i, line in enumerate(lines) if f" {name} " in line)
        assert str(variation.tempo) in lines[row]
        positions.append(row)
    assert positions == sorted(positions)


# -- leg-lifts.yaml ------------------------------------------------------------------------------


def test_leg_lift_ladder_has_nine_rungs_easy_to_hard() -> None:
    exercise = shipped("leg-lifts").exercises[0]
    assert [(v.id, v.name) for v in exercise.variations] == LEG_LIFT_LADDER
    assert exercise.sets == 3
    assert exercise.variations[exercise.start_index].id == "straight-leg"


def test_every_leg_lift_rung_lowers_slower_than_it_lifts() -> None:
    for variation in shipped("leg-lifts").exercises[0].variations:
        assert variation.tempo is not None and variation.reps is not None
        assert variation.tempo.lower_s > variation.tempo.lift_s, variation.id


def test_leg_lift_rungs_have_their_own_description_and_key_cue() -> None:
    variations = shipped("leg-lifts").exercises[0].variations
    assert len({v.description for v in variations}) == 9
    assert len({v.key_cue for v in variations}) == 9
    assert all(v.description and v.key_cue for v in variations)


def test_leg_lifts_start_with_the_lift_except_heel_taps_which_alternate() -> None:
    heel_taps, *rest = shipped("leg-lifts").exercises[0].variations
    assert heel_taps.sides is Sides.ALTERNATING and heel_taps.start_phase is Phase.LOWER
    assert all(v.start_phase is Phase.LIFT and v.sides is Sides.NONE for v in rest)


def test_hover_rung_holds_at_the_bottom_and_hanging_has_fewest_reps() -> None:
    by_id = {v.id: v for v in shipped("leg-lifts").exercises[0].variations}
    assert str(by_id["hover"].tempo) == "4-2-2-0"
    assert Phase.BOTTOM in by_id["hover"].cues.phases
    assert by_id["hanging"].reps == min(v.reps or 0 for v in by_id.values())


def test_leg_lift_cues_teach_breathing_tempo_and_a_flat_back() -> None:
    exercise = shipped("leg-lifts").exercises[0]
    cues = exercise.cues
    assert any("exhale" in text for text in cues.phases[Phase.LIFT])
    assert all("inhale" in text or "breathe in" in text for text in cues.phases[Phase.LOWER])
    texts = " ".join(shipped("leg-lifts").all_cue_texts()).lower()
    for idea in ("lower back pressed into the floor", "no gap", "longer to lower than to lift",
                 "head and shoulders"):
        assert idea in texts
    for pool in (cues.set_start, cues.halfway, cues.last_rep, cues.rest, cues.form,
                 *cues.phases.values()):
        assert len(pool) >= 2, pool  # alternatives rotate instead of repeating
    assert cues.reps[1]


def test_leg_lift_safety_note_covers_lower_back_trouble() -> None:
    safety = shipped("leg-lifts").exercises[0].safety or ""
    assert "lower-back" in safety
    assert "gentle" in safety and "unhurried" in safety
    assert "lifts off the floor" in safety and "aches" in safety


# -- the other routines ----------------------------------------------------------------------------


def test_beginner_core_takes_about_ten_minutes() -> None:
    routine = shipped("beginner-core-10min")
    assert 9 * 60 <= planned_duration_s(routine) <= 11 * 60
    assert len(routine.exercises) >= 5
    assert any(v.hold_s for e in routine.exercises for v in e.variations)
    assert any(v.sides is Sides.ALTERNATING and v.hold_s
               for e in routine.exercises for v in e.variations)


def test_progression_test_does_one_set_of_each_floor_rung_in_ladder_order() -> None:
    test = shipped("leg-lift-progression-test")
    ladder = [v.id for v in shipped("leg-lifts").exercises[0].variations]
    rungs = [exercise.variations[exercise.start_index].id for exercise in test.exercises]
    assert all(exercise.sets == 1 for exercise in test.exercises)
    assert rungs == ladder[: len(rungs)]
    assert len(rungs) >= 5
    assert test.exercises[0].safety
