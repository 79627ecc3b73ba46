"""The coach must never say a command word: it would hear itself (every shipped routine's cues,
every language's sentences, against that language's phrases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.commands import contained_phrases
from voicecoach.files import load_settings, paths
from voicecoach.files.language import available_languages, load_language
from voicecoach.routine import load_routine
from voicecoach.session.wording import wording_for

ROUTINES = sorted(Path(paths.SHIPPED_ROUTINES_DIR).glob("*.yaml"))


def test_there_are_shipped_routines() -> None:
    assert ROUTINES, f"no routines in {paths.SHIPPED_ROUTINES_DIR}"


@pytest.mark.parametrize("path", ROUTINES, ids=[p.stem for p in ROUTINES])
def test_no_cue_contains_a_command_phrase(path: Path) -> None:
    phrases = load_settings().settings.commands
    texts = load_routine(path).all_cue_texts()
    assert texts, "a routine with no cue texts cannot be checked"
    offending = {text: found for text in texts if (found := contained_phrases(text, phrases))}
    assert offending == {}, f"{path.name}: cues containing command phrases"


def _built_in_texts() -> list[str]:
    """The engine's own sentences (acknowledgements, counts, countdowns, phase cues)."""
    from voicecoach.session import wording

    texts = [v for k, v in vars(wording).items() if k.isupper() and isinstance(v, str)]
    texts += list(wording.NOT_NOW.values())
    texts += [t for pool in wording.DEFAULT_PHASE_CUES.values() for t in pool]
    texts += [wording.count_text(n) for n in range(1, 31)]
    texts += [wording.countdown_text(s) for s in range(1, 121)]
    return texts


def test_no_built_in_cue_contains_a_command_phrase() -> None:
    phrases = load_settings().settings.commands
    offending = {t: found for t in _built_in_texts() if (found := contained_phrases(t, phrases))}
    assert offending == {}


def test_the_spoken_totals_contain_no_command_phrase() -> None:
    from voicecoach.history import ExerciseSummary, Status, WorkoutSummary
    from voicecoach.session import wording

    phrases = load_settings().settings.commands
    texts = []
    for sets, reps, seconds, hurt in [(1, 0, 45, 0), (3, 31, 605, 1), (12, 240, 3599, 2)]:
        done = ExerciseSummary("Leg lifts", sets, sets, reps, 30.0, "Bent-knee lifts",
                               safety_stops=hurt)
        text = wording.summary_text(WorkoutSummary("Core", Status.FINISHED, seconds, (done,)))
        assert text is not None
        texts.append(text)
    assert {t: found for t in texts if (found := contained_phrases(t, phrases))} == {}
    assert texts[1] == ("In all: three sets, thirty-one reps, in ten minutes and five seconds."
                        " Something hurt today; look after yourself.")


LANGUAGES = available_languages()


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_sentence_of_a_language_contains_a_command_phrase_of_that_language(code: str) -> None:
    words = wording_for(code)
    phrases = load_language(code).phrases
    routines = [load_routine(p) for p in ROUTINES if p.stem.endswith(f".{code}")]
    texts = [t for routine in routines or [load_routine(ROUTINES[0])]
             for t in words.all_texts(routine)]
    texts += [words.count_text(n) for n in range(1, 31)]
    texts += [words.countdown_text(s) for s in range(1, 121)]
    assert {t: found for t in texts if (found := contained_phrases(t, phrases))} == {}


def test_a_translated_routine_is_checked_against_its_own_language() -> None:
    translated = [p for p in ROUTINES if len(p.suffixes) > 1]
    assert translated, "no routine translation is shipped"
    for path in translated:
        code = path.suffixes[0].lstrip(".")
        texts = load_routine(path).all_cue_texts()
        assert {t: f for t in texts if (f := contained_phrases(t, load_language(code).phrases))
                } == {}
