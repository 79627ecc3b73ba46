"""Keyboard shortcuts that mirror the main spoken commands, read raw from a terminal."""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Mapping

from voicecoach.commands import STATE_GRAMMAR, Command
from voicecoach.events import CommandHeard
from voicecoach.ports import Ears, Post
from voicecoach.states import State

KEY_COMMANDS: Mapping[str, Command] = {
    "q": Command.STOP,
    "Q": Command.STOP,
    "+": Command.HARDER,
    "=": Command.HARDER,  # "+" without shift on most layouts
    "-": Command.EASIER,
    ">": Command.LOUDER,
    ".": Command.LOUDER,  # ">" without shift on most layouts
    "<": Command.QUIETER,
    ",": Command.QUIETER,
}
"""Fixed keys; space is a toggle whose meaning depends on the state (see command_for_key)."""

KEYS_HINT = "space pause/resume · q stop · +/- harder/easier · >/< louder/quieter"

POLL_S = 0.1
"""How often the reader thread checks whether it should stop: closing waits at most this."""


def command_for_key(key: str, state: State) -> Command | None:
    """The command a key press means in `state`, or None (only what a voice could say there)."""
    if key == " ":
        command = {State.PAUSED: Command.RESUME, State.READY: Command.START}.get(
            state, Command.PAUSE)
    else:
        command = KEY_COMMANDS.get(key)
    return command if command in STATE_GRAMMAR[state] else None


class Keyboard:
    """Ears for the keyboard: key presses become CommandHeard events (implements ports.Ears).

    The terminal is put in cbreak mode (no echo, no line buffering; Ctrl-C still interrupts)
    only while listening, and restored on close. Does nothing when stdin is not a terminal.
    """

    def __init__(self, fd: int | None = None) -> None:
        self._fd = sys.stdin.fileno() if fd is None else fd
        self._state = State.READY
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved: list[object] | None = None

    @property
    def is_active(self) -> bool:
        """Whether keys are being read (False when the input is not a terminal)."""
        return self._thread is not None

    def start(self, post: Post) -> None:
        """Enter cbreak mode and read keys on a daemon thread, posting their commands."""
        if not os.isatty(self._fd):
            return
        import termios
        import tty

        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd, termios.TCSANOW)  # not the default TCSAFLUSH: keep early keys
        self._thread = threading.Thread(target=self._read, args=(post,), name="keyboard",
                                        daemon=True)
        self._thread.start()

    def listen_for(self, state: State) -> None:
        """Remember the state, so space means pause, resume or start as fits."""
        self._state = state

    def close(self) -> None:
        """Stop reading and give the terminal its settings back."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * POLL_S + 1)
            self._thread = None
        if self._saved is not None:
            import termios

            with contextlib.suppress(termios.error):  # the terminal may be gone already
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def _read(self, post: Post) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self._fd], [], [], POLL_S)
            if not readable:
                continue
            try:
                chunk = os.read(self._fd, 64)
            except OSError:
                return  # terminal closed
            if not chunk:
                return
            for key in chunk.decode(errors="ignore"):
                command = command_for_key(key, self._state)
                if command is not None:
                    post(CommandHeard(command, text=f"key {key!r}", confidence=1.0))


class EarsGroup:
    """Several Ears as one (the microphone and the keyboard), for the runner's single port."""

    def __init__(self, *ears: Ears) -> None:
        self._ears = ears

    def start(self, post: Post) -> None:
        """Start each, all posting to the same queue."""
        for ears in self._ears:
            ears.start(post)

    def listen_for(self, state: State) -> None:
        """Tell each the new state."""
        for ears in self._ears:
            ears.listen_for(state)

    def close(self) -> None:
        """Close each, in reverse order of starting."""
        for ears in reversed(self._ears):
            ears.close()
