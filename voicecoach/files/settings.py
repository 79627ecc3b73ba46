"""Layered TOML settings: shipped defaults, then the user's file, then --config, key by key."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from voicecoach.commands import Command, normalize
from voicecoach.errors import ConfigError, Problem
from voicecoach.files import paths
from voicecoach.files.language import Language, available_languages, language_code, load_language
from voicecoach.files.phrases import CommandSettings
from voicecoach.files.reading import LineMap, Path_, validation_problems
from voicecoach.files.toml_file import read_toml


class TtsEngine(StrEnum):
    """Which text-to-speech renderer to use."""

    AUTO = "auto"
    PIPER = "piper"
    PYTTSX3 = "pyttsx3"
    ESPEAK_NG = "espeak-ng"


class Backend(StrEnum):
    """Which speech recognizer to use."""

    AUTO = "auto"
    VOSK = "vosk"
    WHISPER = "whisper"
    POCKETSPHINX = "pocketsphinx"


class ListeningMode(StrEnum):
    """Which speech counts as a command, and whether commands other than stop/safety are heard
    while the coach speaks."""

    GATED = "gated"
    BARGE_IN = "barge-in"
    ADDRESSED = "addressed"
    """Every command but stop and the safety phrases begins with recognition.name."""


class Verbosity(StrEnum):
    """How often form cues are spoken."""

    MINIMAL = "minimal"
    NORMAL = "normal"
    CHATTY = "chatty"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VoiceSettings(_Section):
    """How the coach sounds."""

    engine: TtsEngine = TtsEngine.AUTO
    voice: str = ""
    rate_wpm: int = Field(165, ge=80, le=400)
    volume: float = Field(0.9, ge=0.0, le=1.0)
    language: str = Field("en-us", min_length=2, max_length=20)
    """Selects the coach's sentences, the default command phrases, voice and recognizer model."""
    volume_step_db: float = Field(3.0, ge=1.0, le=10.0)

    @field_validator("language")
    @classmethod
    def _has_language_file(cls, tag: str) -> str:
        if language_code(tag) not in available_languages():
            raise ValueError("no language file for this language; use one of: "
                             f"{', '.join(available_languages())} (README, \"Languages\")")
        return tag


class AudioSettings(_Section):
    """Which devices to use (empty = system default)."""

    input_device: str | int = ""
    output_device: str | int = ""
    duck_others_db: float = Field(12.0, ge=0.0, le=60.0)
    """How much other programs' audio is lowered while the coach speaks (0 = not at all)."""


class RecognitionSettings(_Section):
    """How commands are heard."""

    backend: Backend = Backend.AUTO
    model_path: str = ""
    auto_download: bool = True
    listening_mode: ListeningMode = ListeningMode.GATED
    gate_tail_s: float = Field(0.3, ge=0.0, le=5.0)
    min_confidence: float = Field(0.6, ge=0.0, le=1.0)
    echo_cancel: bool = True
    voice_lock: bool = False
    """Obey only the calibrated voice (`voicecoach calibrate`), except stop and safety phrases."""
    name: str = Field("coach", min_length=2, max_length=20)
    """The coach's name: in addressed mode every command but stop and safety begins with it."""

    @field_validator("name")
    @classmethod
    def _one_word(cls, name: str) -> str:
        if not re.fullmatch(r"[^\W\d_]+", name.strip()):
            raise ValueError('must be one speakable word, letters only (e.g. "coach")')
        return name.strip()

    @property
    def addressed_name(self) -> str | None:
        """The name commands must begin with, or None when the listening mode needs none."""
        return normalize(self.name) if self.listening_mode is ListeningMode.ADDRESSED else None


class CoachingSettings(_Section):
    """How much the coach talks."""

    verbosity: Verbosity = Verbosity.NORMAL


class Settings(_Section):
    """Every setting, validated and immutable."""

    voice: VoiceSettings
    audio: AudioSettings
    recognition: RecognitionSettings
    coaching: CoachingSettings
    command_phrases: CommandSettings = Field(default_factory=CommandSettings, alias="commands")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def language(self) -> Language:
        """The language file `voice.language` selects."""
        return load_language(self.voice.language)

    @property
    def commands(self) -> dict[Command, tuple[str, ...]]:
        """The phrase table keyed by Command, as the recognizers and keyboard want it: the
        language's phrases, each command replaced by `[commands]` in the settings when given."""
        defaults = self.language.phrases
        return {c: getattr(self.command_phrases, c.value) or defaults[c] for c in Command}


@dataclass(frozen=True)
class LoadedSettings:
    """Settings plus where each value came from (`voicecoach config` shows both)."""

    settings: Settings
    sources: Mapping[str, str]
    files: tuple[Path, ...]


_SECTION_MODEL: dict[str | None, type[BaseModel]] = {
    None: Settings,
    "voice": VoiceSettings,
    "audio": AudioSettings,
    "recognition": RecognitionSettings,
    "coaching": CoachingSettings,
    "commands": CommandSettings,
}


def _model_for(path: Path_) -> type[BaseModel] | None:
    return _SECTION_MODEL.get(str(path[0]) if path else None)


def _leaves(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, (*prefix, key))
        else:
            yield (*prefix, key)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _check_phrases_unique(settings: Settings, where: Mapping[str, str],
                          lines: Mapping[str, LineMap], layers: list[Path]) -> list[Problem]:
    """A phrase owned by two commands is ambiguous: blame the command set in the later file."""
    order = {str(p): i for i, p in enumerate(layers)}
    owner: dict[str, Command] = {}
    problems = []
    for command, phrases in settings.commands.items():
        for phrase in phrases:
            key = normalize(phrase)
            other = owner.setdefault(key, command)
            if other is command:
                continue
            first, second = sorted(
                (other, command), key=lambda c: order.get(where.get(f"commands.{c.value}", ""), 0)
            )
            file = where.get(f"commands.{second.value}", "")
            problems.append(Problem(
                file, lines.get(file, {}).get(("commands", second.value)),
                f"commands.{second.value}", f"phrase already belongs to `{first.value}`",
                got=repr(phrase), fix="give each phrase to one command only"))
    return problems


def _check_name(settings: Settings, where: Mapping[str, str],
                lines: Mapping[str, LineMap]) -> list[Problem]:
    """In addressed mode the name must not be a word of a command phrase: "coach, coach" or
    "rest, rest" could not tell the name from the command."""
    name = settings.recognition.addressed_name
    if name is None:
        return []
    for command, phrases in settings.commands.items():
        for phrase in phrases:
            if name in normalize(phrase).split():
                file = where.get("recognition.name", "")
                return [Problem(file, lines.get(file, {}).get(("recognition", "name")),
                                "recognition.name",
                                f"the name is a word of the command phrase {phrase!r} "
                                f"(`{command.value}`)", got=repr(settings.recognition.name),
                                fix="choose another name, or change that phrase in [commands]")]
    return []


def settings_layers(config_file: Path | None) -> list[Path]:
    """The files that make up the settings, lowest priority first."""
    layers = [paths.DEFAULT_CONFIG_FILE]
    if paths.user_config_file().is_file():
        layers.append(paths.user_config_file())
    if config_file is not None:
        layers.append(Path(config_file))
    return layers


def load_settings(config_file: Path | None = None, language: str | None = None) -> LoadedSettings:
    """Merge the settings layers and validate the result; ConfigError names file and line.

    `language` (the --language option) overrides `voice.language` above every file.
    """
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    lines_by_file: dict[str, LineMap] = {}
    layers = settings_layers(config_file)
    for path in layers:
        data, lines = read_toml(path)
        lines_by_file[str(path)] = lines
        # Validate each layer's keys on their own so an error names the file that has it.
        _validate_keys(data, str(path), lines)
        merged = _merge(merged, data)
        for leaf in _leaves(data):
            sources[".".join(leaf[:2])] = str(path)
    if language is not None:
        merged = _merge(merged, {"voice": {"language": language}})
        sources["voice.language"] = "--language"
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_locate(exc, sources, lines_by_file)) from None
    problems = _check_phrases_unique(settings, sources, lines_by_file, layers)
    problems += _check_name(settings, sources, lines_by_file)
    if problems:
        raise ConfigError(problems)
    return LoadedSettings(settings, sources, tuple(layers))


def _validate_keys(data: dict[str, Any], file: str, lines: LineMap) -> None:
    """Unknown sections/keys in one layer, reported against that layer's file."""
    problems = []
    for section, body in data.items():
        model = _SECTION_MODEL.get(section)
        if model is None or section is None:
            known = [k for k in _SECTION_MODEL if k]
            problems.append(_unknown(file, lines, (section,), known))
            continue
        if not isinstance(body, dict):
            problems.append(Problem(file, lines.get((section,)), section, "should be a table",
                                    got=repr(body), fix=f"write it as [{section}]"))
            continue
        for key in body:
            if key not in model.model_fields:
                problems.append(_unknown(file, lines, (section, key), list(model.model_fields)))
    if problems:
        raise ConfigError(problems)


def _unknown(file: str, lines: LineMap, path: tuple[str, ...], known: list[str]) -> Problem:
    guess = difflib.get_close_matches(path[-1], known, n=1)
    fix = f"did you mean `{guess[0]}`?" if guess else f"known keys: {', '.join(known)}"
    return Problem(file, lines.get(path), ".".join(path), "unknown key", fix=fix)


def _locate(exc: ValidationError, sources: Mapping[str, str],
            lines_by_file: Mapping[str, LineMap]) -> list[Problem]:
    """Attribute each merged-settings error to the file whose value caused it."""
    problems = []
    for error in exc.errors(include_url=False):
        key = ".".join(str(p) for p in error["loc"][:2])
        file = sources.get(key, str(paths.DEFAULT_CONFIG_FILE))
        single = ValidationError.from_exception_data(exc.title, [error])  # type: ignore[list-item]
        problems.extend(validation_problems(single, file, lines_by_file.get(file, {}), _model_for))
    return problems
