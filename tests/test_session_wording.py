"""Wording: numbers, pools, verbosity, fitting cues into phases, and the engine's own phrases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voicecoach.commands import contained_phrases
from voicecoach.events import CUE_GAP_S, Cue, CueKind
from voicecoach.files import Verbosity, load_settings, paths
from voicecoach.routine import load_routine
from voicecoach.session import fitting, wording
from voicecoach.session.fitting import EstimatedCueTimer, Planned, Rotation, fit

PHRASES = load_settings().settings.commands


@pytest.mark.parametrize(("n", "words"), [
    (0, "zero"), (7, "seven"), (13, "thirteen"), (20, "twenty"), (42, "forty-two"),
    (100, "one hundred"), (115, "one hundred and fifteen"), (999, "nine hundred and ninety-nine"),
])
def test_number_words(n: int, words: str) -> None:
    assert wording.number_words(n) == words


def test_number_words_refuses_what_it_cannot_say() -> None:
    with pytest.raises(ValueError):
        wording.number_words(1000)


@pytest.mark.parametrize(("seconds", "words"), [
    (1, "one second"), (30, "thirty seconds"), (29.6, "thirty seconds"), (60, "one minute"),
    (75, "one minute and fifteen seconds"), (120, "two minutes"),
])
def test_seconds_words(seconds: float, words: str) -> None:
    assert wording.seconds_words(seconds) == words


def test_counts_and_countdowns() -> None:
    assert wording.count_text(3) == "three"
    assert wording.count_text(3, "left") == "three, left"
    assert wording.countdown_text(10) == "ten seconds"
    assert [wording.countdown_text(s) for s in (3, 2, 1)] == ["three", "two", "one"]


def test_rotation_moves_past_the_cue_used() -> None:
    rotation = Rotation()
    pool = ("a", "b", "c")
    assert rotation.order(pool) == ("a", "b", "c")
    rotation.used(pool, "a")
    assert rotation.order(pool) == ("b", "c", "a")
    rotation.used(pool, "c")
    assert rotation.order(pool) == ("a", "b", "c")


@pytest.mark.parametrize(("verbosity", "due_reps"), [
    (Verbosity.MINIMAL, []),
    (Verbosity.NORMAL, [3, 6, 9]),
    (Verbosity.CHATTY, list(range(1, 11))),
])
def test_form_cues_follow_verbosity(verbosity: Verbosity, due_reps: list[int]) -> None:
    assert [r for r in range(1, 11) if fitting.is_form_due(verbosity, r, 3)] == due_reps


def test_estimated_duration_grows_with_words_and_shrinks_with_rate() -> None:
    slow, fast = EstimatedCueTimer(120), EstimatedCueTimer(240)
    assert slow.duration_s("one") < slow.duration_s("one two three four")
    assert fast.duration_s("one two three four") < slow.duration_s("one two three four")


class FixedTimer:
    """Each word takes exactly 0.5 s."""

    def duration_s(self, text: str) -> float:
        return 0.5 * len(text.split())


def test_fit_keeps_the_count_and_picks_a_shorter_variant() -> None:
    planned = [
        Planned(("four",), CueKind.COUNT, is_required=True),
        Planned(("lower it nice and slowly", "down"), CueKind.COUNT),
    ]
    said = fit(planned, 1.5, FixedTimer(), Rotation())
    assert said == [Cue("four", CueKind.COUNT), Cue("down", CueKind.COUNT)]


def test_fit_drops_the_form_cue_but_never_the_count() -> None:
    planned = [
        Planned(("seven",), CueKind.COUNT, is_required=True),
        Planned(("press your lower back into the floor",), CueKind.FORM),
    ]
    assert fit(planned, 0.4, FixedTimer(), Rotation()) == [Cue("seven", CueKind.COUNT)]


def test_fit_rotates_only_what_it_said() -> None:
    rotation = Rotation()
    pool = ("one word", "two words here")
    planned = [Planned(pool, CueKind.FORM)]
    assert fit(planned, 5, FixedTimer(), rotation) == [Cue("one word", CueKind.FORM)]
    assert fit(planned, 5, FixedTimer(), rotation) == [Cue("two words here", CueKind.FORM)]
    assert fit(planned, 0.1, FixedTimer(), rotation) == []
    assert rotation.order(pool)[0] == "one word"


@given(budget=st.floats(0, 10), words=st.lists(st.integers(1, 6), min_size=1, max_size=5))
def test_fitted_optional_cues_never_run_past_the_budget(budget: float, words: list[int]) -> None:
    planned = [Planned((" ".join(["w"] * n),), CueKind.INFO) for n in words]
    said = fit(planned, budget, FixedTimer(), Rotation())
    total = sum(FixedTimer().duration_s(c.text) for c in said) + CUE_GAP_S * max(0, len(said) - 1)
    assert total <= budget + 1e-9


ROUTINES = sorted(Path(paths.SHIPPED_ROUTINES_DIR).glob("*.yaml"))


@pytest.mark.parametrize("path", ROUTINES, ids=[p.stem for p in ROUTINES])
def test_nothing_the_engine_says_contains_a_command_phrase(path: Path) -> None:
    texts = wording.all_texts(load_routine(path))
    assert "three" in texts and "Workout complete. Great job." in texts
    assert {t: found for t in texts if (found := contained_phrases(t, PHRASES))} == {}


def test_fixed_phrases_cover_every_count_of_the_routine() -> None:
    routine = load_routine(paths.SHIPPED_ROUTINES_DIR / "leg-lifts.yaml")
    top = max(v.reps or 0 for e in routine.exercises for v in e.variations)
    texts = wording.fixed_phrases(routine)
    assert wording.count_text(top) in texts
    assert wording.reps_left_text(top - 1) in texts
