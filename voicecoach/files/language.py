"""Language files: every word the coach says and hears in one language, read and validated once.

A language is one TOML file in `voicecoach/languages/` (shipped as package data), named by its
primary language subtag (`en.toml`, `ko.toml`). English is the model: every file has its keys, so
adding a language is writing one file (README, "Languages"). Templates are Python format strings
whose numbers name the number table that says them (`{n:count}`), because a Korean coach counts
reps with native numerals (하나, 둘, 셋) but says seconds in Sino-Korean (삼십 초).
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from voicecoach.commands import Command, contained_phrases
from voicecoach.errors import ConfigError, Problem
from voicecoach.files.phrases import CommandSettings
from voicecoach.files.reading import LineMap, validation_problems
from voicecoach.files.toml_file import read_toml

LANGUAGES_DIR = Path(__file__).resolve().parent.parent / "languages"
"""The shipped language files (package data)."""

DEFAULT_LANGUAGE = "en"

Recognizer = Literal["vosk", "whisper", "pocketsphinx"]
"""The recognizer backends by their settings name (`recognition.backend`)."""

Text = Annotated[str, Field(min_length=1, max_length=200)]
Texts = Annotated[tuple[Text, ...], Field(min_length=1)]


class _LanguagePart(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class About(_LanguagePart):
    """What the language is and which engines speak and hear it."""

    name: Text
    espeak_voice: Text
    """espeak-ng voice when no other voice is set (`espeak-ng --voices` lists them)."""
    piper_prefix: str
    """Piper voices of this language start with this ("en_"); "" = no Piper voice."""
    recognizers: tuple[Recognizer, ...] = Field(min_length=1)
    """Recognizers that understand the language (Whisper tiny.en and pocketsphinx: English only)."""
    vosk_model_package: str
    """A Python package holding a Vosk model of the language in its `model/` folder ("" = none)."""
    fillers: tuple[str, ...]
    """Common words in the Vosk grammar beside the commands, so other speech is rejected."""
    cue_words_in_grammar: bool
    """Whether every word the coach may say joins the fillers too, so its echo decodes as itself.
    Korean: no. The model splits words finely and the routine's hundreds of words crowded out the
    commands (8 of 21 phrases misheard with them, 0 without; tests/test_recognizers_vosk_korean)."""


class NumberWords(_LanguagePart):
    """How one kind of number is said, 0..999, from three small tables."""

    ones: tuple[str, ...] = Field(min_length=10, max_length=20)
    """0..9 or 0..19 (below len(ones) a number is this word)."""
    tens: tuple[str, ...] = Field(min_length=10, max_length=10)
    hundreds: tuple[str, ...] = Field(min_length=10, max_length=10)
    join: str = ""
    """Between tens and ones: "twenty-one" (English), "스물하나" (Korean)."""
    and_: str = Field("", alias="and")
    """Between hundreds and the rest: "one hundred and five"."""

    def say(self, n: int) -> str:
        """n in words; ValueError outside 0..999 (callers say larger numbers as digits)."""
        if not 0 <= n < 1000:
            raise ValueError(f"cannot say {n} in words")
        if n < len(self.ones):
            return self.ones[n]
        if n < 100:
            tens, ones = divmod(n, 10)
            return self.tens[tens] + (f"{self.join}{self.ones[ones]}" if ones else "")
        hundreds, rest = divmod(n, 100)
        return self.hundreds[hundreds] + (f"{self.and_}{self.say(rest)}" if rest else "")


class SideWords(_LanguagePart):
    """The names of the sides an alternating exercise works."""

    left: Text
    right: Text


class DurationWords(_LanguagePart):
    """Minutes and seconds, singular and plural, and what joins them."""

    minute: Text
    minutes: Text
    second: Text
    seconds: Text
    join: str


class Sentences(_LanguagePart):
    """Every fixed sentence the coach says (none may contain a command phrase)."""

    get_in_position: Text
    picking_up: Text
    paused: Text
    still_paused: Text
    resumed: Text
    nothing_said_yet: Text
    set_done: Text
    exercise_done: Text
    ending_set_early: Text
    ending_break_early: Text
    moving_on: Text
    last_exercise_left_out: Text
    workout_complete: Text
    workout_ended: Text
    safety: Text
    safety_no_gentler: Text
    longer_phases: Text
    quicker_phases: Text
    longest_phases: Text
    quickest_phases: Text
    hold_has_no_tempo: Text
    gentlest_fewer_reps: Text
    gentlest_shorter_hold: Text
    toughest_longer_reps: Text
    toughest_longer_hold: Text
    longest_hold: Text
    shortest_hold: Text
    last_set_of_workout: Text
    hold_begin: Text
    other_side: Text
    halfway: Text
    last_rep: Text
    mic_lost: Text
    mic_back: Text


class NotNow(_LanguagePart):
    """The short answer to a command that means nothing in a state (keys are State values)."""

    ready: Text
    count_in: Text
    working: Text
    rest: Text
    paused: Text
    finished: Text
    stopped: Text


class PhaseCues(_LanguagePart):
    """Said at a phase's start when the routine has no cue of its own for it."""

    lift: Texts
    top: Texts
    lower: Texts
    bottom: Texts


class Templates(_LanguagePart):
    """Sentences with values in them; `TEMPLATE_FIELDS` names the values each may use."""

    count: Text
    count_with_side: Text
    side: Text
    countdown: Text
    countdown_with_unit: Text
    safety_with_gentler: Text
    ladder_gentler: Text
    ladder_tougher: Text
    ladder_now: str
    ladder_next_rep: str
    ladder_next_set: str
    intro: Text
    intro_same_name: Text
    one_set: Text
    sets: Text
    plan_reps: Text
    plan_hold: Text
    plan_hold_each_side: Text
    recover: Text
    next_set: Text
    next_exercise: Text
    hold: Text
    hold_with_side: Text
    last_rep_now: Text
    one_more_rep: Text
    more_reps: Text
    last_set_now: Text
    one_more_set: Text
    more_sets: Text
    one_set_to_do: Text
    sets_to_do: Text
    hold_left: Text
    summary_set: Text
    summary_sets: Text
    summary_rep: Text
    summary_reps: Text
    summary_join: str
    summary: Text
    summary_hurt: Text
    key_cue: Text
    progress: Text
    """A progression suggestion for next time (history/progression.py), and its parts below."""
    progress_hurt_stay: Text
    progress_hurt_step_down: Text
    progress_felt_hard: Text
    progress_until_solid: Text
    progress_moved_up: Text
    progress_hold_longer: Text
    progress_one_more_rep: Text
    progress_clean_hardest: Text
    progress_two_clean: Text
    progress_clean_at: Text
    progress_stay: Text


TEMPLATE_FIELDS: Mapping[str, frozenset[str]] = {
    "count": frozenset({"n"}),
    "count_with_side": frozenset({"n", "side"}),
    "side": frozenset({"side"}),
    "countdown": frozenset({"n"}),
    "countdown_with_unit": frozenset({"n"}),
    "safety_with_gentler": frozenset({"safety", "variation"}),
    "ladder_gentler": frozenset({"when", "variation"}),
    "ladder_tougher": frozenset({"when", "variation"}),
    "intro": frozenset({"exercise", "variation"}),
    "intro_same_name": frozenset({"exercise"}),
    "sets": frozenset({"n"}),
    "plan_reps": frozenset({"sets", "reps"}),
    "plan_hold": frozenset({"sets", "duration"}),
    "plan_hold_each_side": frozenset({"sets", "duration"}),
    "recover": frozenset({"duration"}),
    "next_set": frozenset({"n", "sets"}),
    "next_exercise": frozenset({"intro"}),
    "hold": frozenset({"duration"}),
    "hold_with_side": frozenset({"side", "duration"}),
    "more_reps": frozenset({"n"}),
    "more_sets": frozenset({"n"}),
    "sets_to_do": frozenset({"n"}),
    "hold_left": frozenset({"duration"}),
    "summary_set": frozenset({"n"}),
    "summary_sets": frozenset({"n"}),
    "summary_rep": frozenset({"n"}),
    "summary_reps": frozenset({"n"}),
    "summary": frozenset({"done", "duration"}),
    "key_cue": frozenset({"variation", "cue"}),
    "progress": frozenset({"exercise", "text"}),
    "progress_hurt_stay": frozenset({"variation"}),
    "progress_hurt_step_down": frozenset({"variation"}),
    "progress_felt_hard": frozenset({"variation"}),
    "progress_until_solid": frozenset({"variation"}),
    "progress_moved_up": frozenset({"variation"}),
    "progress_hold_longer": frozenset({"n"}),
    "progress_clean_hardest": frozenset({"more"}),
    "progress_two_clean": frozenset({"variation", "next"}),
    "progress_clean_at": frozenset({"variation", "more"}),
    "progress_stay": frozenset({"variation"}),
}
"""The values each template may use; a template not listed takes none. In `plan_*` templates
`sets` is the already worded "Three sets" (from `one_set`/`sets`), so it is text there."""

_DURATION_FIELDS = frozenset({"n"})


class Language(_LanguagePart):
    """One language file, validated: the words of everything the coach says and hears."""

    about: About = Field(alias="language")
    commands: CommandSettings
    numbers: dict[str, NumberWords] = Field(min_length=1)
    sides: SideWords
    duration: DurationWords
    sentences: Sentences
    not_now: NotNow
    phase_cues: PhaseCues
    templates: Templates

    code: str = Field("", exclude=True)
    """The file's name without .toml ("en", "ko")."""

    @model_validator(mode="after")
    def _complete(self) -> Language:
        for command in Command:
            if getattr(self.commands, command.value) is None:
                raise ValueError(f"commands.{command.value}: missing; give at least one phrase")
        return self

    @model_validator(mode="after")
    def _templates_fit(self) -> Language:
        for key, template, allowed in _all_templates(self):
            problem = _template_problem(template, allowed, set(self.numbers))
            if problem:
                raise ValueError(f"{key}: {problem}")
        return self

    @property
    def phrases(self) -> dict[Command, tuple[str, ...]]:
        """The default command phrases keyed by Command."""
        return {c: getattr(self.commands, c.value) or () for c in Command}

    def fixed_texts(self) -> Iterator[tuple[str, str]]:
        """(key, text) of every sentence that is said as written (for the command-phrase check)."""
        for group in ("sentences", "not_now"):
            for key, text in getattr(self, group).model_dump().items():
                yield f"{group}.{key}", text
        for key, texts in self.phase_cues.model_dump().items():
            for text in texts:
                yield f"phase_cues.{key}", text
        for key, template, _ in _all_templates(self):
            yield key, template


def _all_templates(language: Language) -> Iterator[tuple[str, str, frozenset[str]]]:
    for key, template in language.templates.model_dump().items():
        yield f"templates.{key}", template, TEMPLATE_FIELDS.get(key, frozenset())
    for key, template in language.duration.model_dump().items():
        if key != "join":
            yield f"duration.{key}", template, _DURATION_FIELDS


def _template_problem(template: str, allowed: frozenset[str], systems: set[str]) -> str | None:
    """Why a template cannot be filled in, or None."""
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as exc:
        return f"not a valid template ({exc}); write values as {{name}} and a brace as {{{{"
    for name, spec in fields:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            return f"unknown value {{{name}}} (this template may use: {known})"
        if spec and spec not in systems:
            return f"{{{name}:{spec}}} names no number table (known: {', '.join(sorted(systems))})"
    return None


def language_code(tag: str) -> str:
    """The language file's name for a BCP-47 tag: "en-us" -> "en", "ko-KR" -> "ko"."""
    return tag.strip().lower().replace("_", "-").split("-")[0]


def available_languages() -> list[str]:
    """The codes of the shipped language files."""
    return sorted(p.stem for p in LANGUAGES_DIR.glob("*.toml"))


def load_language(tag: str = DEFAULT_LANGUAGE) -> Language:
    """The shipped language for a tag ("en-us" finds en.toml); ConfigError when there is none."""
    code = language_code(tag)
    path = LANGUAGES_DIR / f"{code}.toml"
    if not path.is_file():
        raise ConfigError([Problem(
            "settings", None, "voice.language", "no language file for this language",
            got=repr(tag),
            fix=f"use one of: {', '.join(available_languages())} "
                f"(or add voicecoach/languages/{code}.toml, see README)")])
    return _load_cached(str(path))


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> Language:
    return read_language(Path(path))


def read_language(path: Path) -> Language:
    """Read and validate one language file; every mistake is one located line."""
    data, lines = read_toml(path, "language")
    return parse_language(data, str(path), lines, path.stem)


def parse_language(data: Mapping[str, Any], file: str, lines: LineMap | None = None,
                   code: str = "") -> Language:
    """Validate a language file's data (tests pass dicts); ConfigError names file, key, value."""
    lines = lines or {}
    try:
        language = Language.model_validate({**data, "code": code})
    except ValidationError as exc:
        raise ConfigError(_problems(exc, file, lines, data)) from None
    problems = [
        Problem(file, lines.get(tuple(key.split("."))), key,
                f"the coach would hear itself say the command phrase {found[0]!r}",
                got=repr(text), fix="reword the sentence or change that command's phrases")
        for key, text in language.fixed_texts()
        if (found := contained_phrases(_without_fields(text), language.phrases))
    ]
    if problems:
        raise ConfigError(problems)
    return language


def _without_fields(template: str) -> str:
    """The template's own words, without {fields} (those are checked where they come from)."""
    try:
        return " ".join(literal for literal, *_ in string.Formatter().parse(template))
    except ValueError:
        return template


def _problems(exc: ValidationError, file: str, lines: LineMap,
              data: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        if error["type"] == "value_error" and not error["loc"]:
            key, _, message = str(error["msg"]).removeprefix("Value error, ").partition(": ")
            got = _value_at(data, key)
            problems.append(Problem(file, lines.get(tuple(key.split("."))), key, message,
                                    got=repr(got) if got is not None else None,
                                    fix="fix the template's {fields}"))
            continue
        single = ValidationError.from_exception_data(exc.title, [error])  # type: ignore[list-item]
        problems.extend(validation_problems(single, file, lines, lambda _: None))
    return problems


def _value_at(data: Mapping[str, Any], dotted_key: str) -> Any:
    value: Any = data
    for part in dotted_key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value

