"""The routine model: validated, immutable exercises, variations, cues and tempos of a workout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from voicecoach.files import Path_
from voicecoach.routine.tempo import Phase, Tempo, TempoError


def _parse_tempo(value: Any) -> Tempo:
    if isinstance(value, Tempo):
        return value
    if not isinstance(value, str | int | float):
        raise ValueError("tempo should be text like 4-0-2-0; write it as lower-bottom-lift-top")
    try:
        return Tempo.parse(str(value))
    except TempoError as exc:
        raise ValueError(f"impossible tempo; {exc}") from exc


TempoField = Annotated[
    Tempo,
    BeforeValidator(_parse_tempo),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*(\d+(\.\d+)?|[xX])(\s*-\s*(\d+(\.\d+)?|[xX])){3}\s*$",
            "description": "lower-bottom-lift-top in seconds, X = explosive, e.g. 4-0-2-0",
            "examples": ["4-0-2-0", "3-1-1-0", "2-0-X-1"],
        }
    ),
]


def _as_pool(value: Any) -> Any:
    """A single string is a pool of one: users should not need list syntax for one cue."""
    return [value] if isinstance(value, str) else value


def _check_cue_text(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("a cue cannot be empty; write the words to say, or delete the entry")
    return value


CueText = Annotated[str, BeforeValidator(_check_cue_text), Field(max_length=300)]
Pool = Annotated[
    tuple[CueText, ...],
    BeforeValidator(_as_pool),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
            ],
            "description": "A cue, or a list of alternatives that rotate so cues do not repeat",
        }
    ),
]

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """`Straight-leg lifts (hands under hips)` -> `straight-leg-lifts-hands-under-hips`."""
    return _SLUG.sub("-", name.lower()).strip("-")


class Sides(StrEnum):
    """Whether an exercise works one side at a time."""

    NONE = "none"
    ALTERNATING = "alternating"
    """Reps alternate left/right (each counts as a rep) and the side is announced; a hold is
    done once per side."""


class _Frozen(BaseModel):
    # strict: `sets: true` is a mistake, not 1; no NaN or infinity as a number of seconds.
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False,
                              allow_inf_nan=False)


class CueSet(_Frozen):
    """What the coach says during a set; every entry is a pool of alternatives that rotate."""

    set_start: Pool = ()
    halfway: Pool = ()
    last_rep: Pool = ()
    rest: Pool = ()
    form: Pool = Field((), description="Form reminders, spoken every `form_every_reps` reps")
    phases: dict[Phase, Pool] = Field(
        default_factory=dict, description="Cues at the start of a phase: lift, top, lower, bottom"
    )
    reps: dict[Annotated[int, Field(ge=1, le=500)], Pool] = Field(
        default_factory=dict, description="Cues for a specific rep number, e.g. 1 or 10"
    )
    form_every_reps: int = Field(
        3, ge=1, le=100, strict=True, description="At normal verbosity, a form cue every N reps"
    )

    def merged_over(self, base: CueSet) -> CueSet:
        """These cues with anything left unset taken from `base` (the exercise-level cues)."""
        values: dict[str, Any] = {}
        for name in CueSet.model_fields:
            mine, theirs = getattr(self, name), getattr(base, name)
            if name in ("phases", "reps"):
                values[name] = {**theirs, **mine}
            else:
                values[name] = mine if name in self.model_fields_set else theirs
        return CueSet.model_validate(values)

    def texts(self) -> Iterator[str]:
        """Every text in every pool."""
        for name in ("set_start", "halfway", "last_rep", "rest", "form"):
            yield from getattr(self, name)
        for pool in (*self.phases.values(), *self.reps.values()):
            yield from pool


class Variation(_Frozen):
    """One rung of an exercise's difficulty ladder, with its own tempo, reps and cues."""

    id: str = Field("", description="Short name used by `start_at`; defaults to the name, slugified")
    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=2000)
    tempo: TempoField | None = Field(None, description="Required for reps; omit for holds")
    start_phase: Phase = Field(
        Phase.LIFT, description="The phase each rep begins with (leg lifts begin with the lift)"
    )
    reps: int | None = Field(None, ge=1, le=500, strict=True)
    hold_s: float | None = Field(
        None, ge=1, le=600, strict=True, description="Seconds to hold (isometric)"
    )
    sides: Sides = Sides.NONE
    key_cue: str = Field(
        "", max_length=300, description="The one form cue announced on easier/harder"
    )
    cues: CueSet = Field(default_factory=CueSet)

    @model_validator(mode="after")
    def _reps_or_hold(self) -> Variation:
        if (self.reps is None) == (self.hold_s is None):
            raise ValueError(
                "give either reps (with a tempo) or hold_s, not both or neither; "
                "e.g. `reps: 10` and `tempo: 4-0-2-0`, or `hold_s: 30`"
            )
        if self.reps is not None and self.tempo is None:
            raise ValueError("reps need a tempo; add e.g. `tempo: 4-0-2-0`")
        if self.hold_s is not None and self.tempo is not None:
            raise ValueError("a hold has no tempo; remove `tempo` or use reps instead of hold_s")
        updates: dict[str, Any] = {}
        if not self.id:
            updates["id"] = slugify(self.name)
        if not self.key_cue and self.cues.form:
            updates["key_cue"] = self.cues.form[0]
        return self.model_copy(update=updates) if updates else self

    @property
    def work_s(self) -> float:
        """Seconds of work in one set (both sides for an alternating hold)."""
        if self.hold_s is not None:
            return self.hold_s * (2 if self.sides is Sides.ALTERNATING else 1)
        assert self.tempo is not None and self.reps is not None
        return self.reps * self.tempo.rep_s


def _ladder_index(variations: tuple[Variation, ...], ref: str) -> int | None:
    """Position of the variation named by id or name, or None."""
    for i, v in enumerate(variations):
        if ref in (v.id, v.name) or slugify(ref) == v.id:
            return i
    return None


class Exercise(_Frozen):
    """An exercise done for some sets, at one rung of its ladder at a time."""

    id: str = Field("", description="Defaults to the name, slugified")
    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=2000)
    sets: int = Field(3, ge=1, le=20, strict=True)
    rest_between_sets_s: float = Field(30, ge=0, le=600, strict=True)
    safety: str | None = Field(None, max_length=600, description="Spoken before the exercise")
    cues: CueSet = Field(default_factory=CueSet, description="Cues shared by every variation")
    variations: tuple[Variation, ...] = Field(
        min_length=1, description="The difficulty ladder, easiest first"
    )
    # Declared after `variations` so its validator can see them.
    start_at: str | None = Field(
        None, description="Id or name of the variation to begin with; default the first"
    )

    @field_validator("start_at")
    @classmethod
    def _start_at_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        variations = info.data.get("variations")
        if value is None or variations is None:
            return value
        if _ladder_index(variations, value) is None:
            raise ValueError(
                "names a ladder step that does not exist; "
                f"use one of: {', '.join(v.id for v in variations)}"
            )
        return value

    @model_validator(mode="after")
    def _resolve(self) -> Exercise:
        ids = [v.id for v in self.variations]
        for i, vid in enumerate(ids):
            if vid in ids[:i]:
                raise ValueError(
                    f"two variations share the id {vid!r}; give each variation its own `id`"
                )
        merged = tuple(
            v.model_copy(update={"cues": v.cues.merged_over(self.cues),
                                 "key_cue": v.key_cue or next(iter(self.cues.form), "")})
            for v in self.variations
        )
        return self.model_copy(update={"id": self.id or slugify(self.name), "variations": merged})

    @property
    def start_index(self) -> int:
        """Ladder position of the variation a workout begins with."""
        if self.start_at is None:
            return 0
        return _ladder_index(self.variations, self.start_at) or 0


class Routine(_Frozen):
    """A whole workout: exercises in order, with a count-in and rests."""

    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=4000)
    count_in_s: float = Field(
        5, ge=0, le=30, strict=True, description="Get-ready time before the first rep"
    )
    rest_between_exercises_s: float = Field(60, ge=0, le=900, strict=True)
    exercises: tuple[Exercise, ...] = Field(min_length=1)

    def all_cue_texts(self) -> list[str]:
        """Every text from this routine the coach may say (for pre-rendering and echo checks)."""
        texts: list[str] = []
        for exercise in self.exercises:
            texts.append(exercise.name)
            if exercise.safety:
                texts.append(exercise.safety)
            texts.extend(exercise.cues.texts())
            for variation in exercise.variations:
                texts.append(variation.name)
                if variation.key_cue:
                    texts.append(variation.key_cue)
                texts.extend(variation.cues.texts())
        return list(dict.fromkeys(texts))

    def to_yaml(self) -> str:
        """The routine as YAML that loads back to an equal routine."""
        # exclude_unset, not exclude_defaults: a variation that sets a cue back to the default
        # must keep saying so, or it would inherit the exercise's value when loaded again.
        data = self.model_dump(mode="json", exclude_unset=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


_MODEL_AT: dict[str | None, type[BaseModel]] = {
    None: Routine,
    "exercises": Exercise,
    "variations": Variation,
    "cues": CueSet,
}


def model_for(path: Path_) -> type[BaseModel] | None:
    """Which model a key path points into, for "did you mean" on unknown keys."""
    names = [p for p in path if isinstance(p, str)]
    return _MODEL_AT.get(names[-1] if names else None)
