"""The exception hierarchy: everything a user can cause is a VoicecoachError with a fix."""

from __future__ import annotations

from dataclasses import dataclass


class VoicecoachError(Exception):
    """A problem the user can fix; the CLI prints it as one line (or one line per problem)."""

    exit_code = 1

    def lines(self) -> list[str]:
        """The message lines shown to the user, one per problem."""
        return [str(self)]


@dataclass(frozen=True)
class Problem:
    """One located mistake in a user file: `file:line: field: what is wrong (got X); fix`."""

    file: str
    line: int | None
    field: str
    message: str
    got: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        if self.got is not None:
            text += f" (got {self.got})"
        if self.fix:
            text += f"; {self.fix}"
        return text


class FileProblemsError(VoicecoachError):
    """One or more problems in a user-edited file; exit code 2 like other usage errors."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class RoutineError(FileProblemsError):
    """A routine file is missing, unreadable or invalid."""


class ConfigError(FileProblemsError):
    """A settings file is unreadable or invalid."""


class ModelError(VoicecoachError):
    """A speech model is missing, broken or cannot be fetched."""


class AudioDeviceError(VoicecoachError):
    """An audio device is missing, ambiguous or fails, or PortAudio is not installed."""


class SpeechError(VoicecoachError):
    """Text-to-speech cannot render."""


class HistoryError(VoicecoachError):
    """The history database cannot be opened or written."""


class UsageError(VoicecoachError):
    """A command-line argument is wrong in a way argparse cannot see."""

    exit_code = 2
