"""Routine translations: a file that gives another language's texts for a routine's structure.

`leg-lifts.ko.yaml` says `translates: leg-lifts.yaml` and gives, by exercise and variation id,
only texts (names, descriptions, safety notes, key cues, cues). Tempos, reps, sets and rests stay
in the original, so a translation can never drift from it; anything else is an unknown key. The
merged routine is validated like any other, so a translation is checked twice: its own keys here,
then the whole routine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voicecoach.errors import Problem, RoutineError
from voicecoach.files import Path_, parse_yaml, read_user_file, validation_problems
from voicecoach.files.reading import LineMap
from voicecoach.routine.model import CueSet, slugify

TRANSLATES = "translates"
"""The key that makes a routine file a translation."""


class _TextsOnly(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VariationText(_TextsOnly):
    """A variation's texts in the translation's language."""

    name: str | None = Field(None, min_length=1, max_length=80)
    description: str | None = Field(None, max_length=2000)
    key_cue: str | None = Field(None, max_length=300)
    cues: CueSet | None = None


class ExerciseText(_TextsOnly):
    """An exercise's texts, and its variations' by id."""

    name: str | None = Field(None, min_length=1, max_length=80)
    description: str | None = Field(None, max_length=2000)
    safety: str | None = Field(None, max_length=600)
    cues: CueSet | None = None
    variations: dict[str, VariationText] = Field(default_factory=dict)


class RoutineTranslation(_TextsOnly):
    """A translation file: which routine, which language, and its texts by id."""

    translates: str = Field(min_length=1, description="The original routine file, beside this one")
    language: str = Field(min_length=2, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=80)
    description: str | None = Field(None, max_length=4000)
    exercises: dict[str, ExerciseText] = Field(default_factory=dict)


_MODEL_AT: dict[str | None, type[BaseModel]] = {
    None: RoutineTranslation, "exercises": ExerciseText, "variations": VariationText,
    "cues": CueSet,
}


def _model_for(path: Path_) -> type[BaseModel] | None:
    names = [p for p in path if isinstance(p, str)]
    if len(names) >= 2 and names[-2] in ("exercises", "variations"):
        return _MODEL_AT[names[-2]]
    return _MODEL_AT.get(names[-1] if names else None)


def is_translation(data: Any) -> bool:
    """Whether parsed routine YAML is a translation (it names the routine it translates)."""
    return isinstance(data, dict) and TRANSLATES in data


def translated(data: dict[str, Any], lines: LineMap, source: str) -> dict[str, Any]:
    """The original routine's data with this translation's texts in place; RoutineError names
    the translation file's line for a bad key, an unknown id or a missing original."""
    try:
        translation = RoutineTranslation.model_validate(data)
    except ValidationError as exc:
        raise RoutineError(validation_problems(exc, source, lines, _model_for)) from None
    original_path = Path(source).parent / translation.translates
    if not original_path.is_file():
        raise RoutineError([Problem(source, lines.get((TRANSLATES,)), TRANSLATES,
                                    "no such routine file beside this one",
                                    got=repr(translation.translates),
                                    fix="name the original routine's file, in the same folder")])
    base, _, problems = parse_yaml(read_user_file(original_path, "routine", RoutineError),
                                   str(original_path))
    if problems or not isinstance(base, dict):
        raise RoutineError(problems or [Problem(str(original_path), 1, "", "not a routine")])
    merged = _texts_over(base, translation.model_dump(exclude_unset=True, exclude={"exercises"}))
    exercises = list(base.get("exercises") or [])
    for ex_id, ex_text in translation.exercises.items():
        index = _index_of(exercises, ex_id, source, lines, ("exercises", ex_id))
        exercise = dict(exercises[index])
        exercise.update(_texts_of(ex_text, exercise))
        variations = list(exercise.get("variations") or [])
        for var_id, var_text in ex_text.variations.items():
            where = ("exercises", ex_id, "variations", var_id)
            v_index = _index_of(variations, var_id, source, lines, where)
            variations[v_index] = {**variations[v_index],
                                   **_texts_of(var_text, variations[v_index])}
        exercise["variations"] = variations
        exercises[index] = exercise
    merged["exercises"] = exercises
    return merged


def _texts_over(base: dict[str, Any], texts: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    merged.update({k: v for k, v in texts.items() if k not in (TRANSLATES, "language")})
    return merged


def _texts_of(text: ExerciseText | VariationText, original: dict[str, Any]) -> dict[str, Any]:
    """The translated texts to put over `original`: cue pools replace the original's pool by
    pool (a phase or rep number by itself), so an untranslated pool shows in the check that a
    translation leaves no text of the original's language."""
    values = text.model_dump(exclude_unset=True, exclude={"cues", "variations"})
    if text.cues is not None:
        cues = dict(original.get("cues") or {})
        for name in text.cues.model_fields_set:
            mine = getattr(text.cues, name)
            cues[name] = {**(cues.get(name) or {}), **mine} if name in ("phases", "reps") else mine
        values["cues"] = cues
    return values


def _index_of(items: list[Any], wanted: str, source: str, lines: LineMap,
              where: tuple[str, ...]) -> int:
    ids = [str(i.get("id") or slugify(str(i.get("name", "")))) if isinstance(i, dict) else ""
           for i in items]
    if wanted in ids:
        return ids.index(wanted)
    raise RoutineError([Problem(source, lines.get(where), ".".join(where),
                                "the original routine has no such id", got=repr(wanted),
                                fix=f"use one of: {', '.join(ids)}")])
