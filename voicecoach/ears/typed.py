"""Typed commands as Ears: each line typed is matched like a spoken phrase (no microphone)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Mapping
from typing import IO

from voicecoach.commands import Command, normalize, parse_command
from voicecoach.events import CommandHeard
from voicecoach.ports import Post
from voicecoach.states import State


def parse_typed_command(text: str, phrases: Mapping[Command, Iterable[str]]) -> Command | None:
    """A typed line's command: any phrase from the settings, or the command's own name
    (`how_many_left`), so scripts keep working whatever phrases a user chose."""
    command = parse_command(text, phrases)
    if command is not None:
        return command
    try:
        return Command(normalize(text).replace(" ", "_"))
    except ValueError:
        return None


class TypedCommands:
    """Ears that read lines from a text stream (stdin by default) on a daemon thread."""

    def __init__(self, phrases: Mapping[Command, Iterable[str]], stream: IO[str] | None = None,
                 errors: IO[str] | None = None) -> None:
        self._phrases = phrases
        self._stream = stream if stream is not None else sys.stdin
        self._errors = errors if errors is not None else sys.stderr
        self._is_closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, post: Post) -> None:
        """Read lines until end of input or close; each command is posted as heard."""
        self._thread = threading.Thread(target=self._read, args=(post,), name="typed-commands",
                                        daemon=True)  # a blocked readline must not hold exit
        self._thread.start()

    def listen_for(self, state: State) -> None:
        """Typed commands are never restricted: the session answers those that do not fit."""

    def close(self) -> None:
        """Stop posting; the thread ends at the next line or end of input."""
        self._is_closed.set()

    def _read(self, post: Post) -> None:
        for line in self._stream:
            if self._is_closed.is_set():
                return
            if not normalize(line):
                continue
            command = parse_typed_command(line, self._phrases)
            if command is None:
                print(f"not a command: {line.strip()!r}; try: {self.hint()}", file=self._errors,
                      flush=True)
                continue
            post(CommandHeard(command, text=line.strip()))

    def hint(self) -> str:
        """The first phrase of each command, for the "not a command" line."""
        return ", ".join(next(iter(p), c.value) for c, p in self._phrases.items())
