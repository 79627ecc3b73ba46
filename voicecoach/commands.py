"""Spoken commands: the Command enum, phrase matching, and which commands each state listens for."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum

from voicecoach.states import State


class Command(StrEnum):
    """Everything the user can ask for; values are the keys of `[commands]` in settings."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    SKIP = "skip"
    REPEAT = "repeat"
    EASIER = "easier"
    HARDER = "harder"
    SLOWER = "slower"
    FASTER = "faster"
    HOW_MANY_LEFT = "how_many_left"
    WHATS_NEXT = "whats_next"
    REST = "rest"
    READY = "ready"
    SAFETY = "safety"
    LOUDER = "louder"
    QUIETER = "quieter"


ALWAYS_HEARD: frozenset[Command] = frozenset({Command.STOP, Command.SAFETY})
"""Checked in every state and even while the coach is speaking."""

_DURING_EXERCISE = frozenset(
    {
        Command.PAUSE,
        Command.SKIP,
        Command.REPEAT,
        Command.EASIER,
        Command.HARDER,
        Command.SLOWER,
        Command.FASTER,
        Command.HOW_MANY_LEFT,
        Command.WHATS_NEXT,
    }
)

_VOLUME = frozenset({Command.LOUDER, Command.QUIETER})
"""Heard wherever other commands are: the coach can be too loud or too soft at any moment."""

_OPEN = ALWAYS_HEARD | _VOLUME

STATE_GRAMMAR: Mapping[State, frozenset[Command]] = {
    State.READY: frozenset({Command.START, Command.WHATS_NEXT, Command.REPEAT}) | _OPEN,
    State.COUNT_IN: frozenset({Command.PAUSE, Command.SKIP, Command.REPEAT}) | _OPEN,
    State.WORKING: _DURING_EXERCISE | {Command.REST} | _OPEN,
    State.REST: _DURING_EXERCISE | {Command.READY} | _OPEN,
    State.PAUSED: frozenset({Command.RESUME, Command.START, Command.REPEAT, Command.HOW_MANY_LEFT,
                             Command.WHATS_NEXT, Command.SKIP, Command.EASIER, Command.HARDER})
    | _OPEN,
    State.FINISHED: ALWAYS_HEARD,
    State.STOPPED: ALWAYS_HEARD,
}
"""The commands that mean something in each state: the recognizer's grammar is built from this."""


def normalize(text: str) -> str:
    """Lower-case words only, so typed and recognized text compare equal ("What's next?").

    Words are Unicode letters and digits (with inner apostrophes), so phrases in any script work.
    """
    text = text.lower().replace("’", "'")
    return " ".join(re.findall(r"[^\W_]+(?:'[^\W_]+)*", text))


def phrase_index(phrases: Mapping[Command, Iterable[str]]) -> dict[str, Command]:
    """Map every normalized phrase to its command (settings validate that none is shared)."""
    return {normalize(p): command for command, items in phrases.items() for p in items}


def parse_command(text: str, phrases: Mapping[Command, Iterable[str]]) -> Command | None:
    """The command an utterance says exactly (after normalizing), or None."""
    return phrase_index(phrases).get(normalize(text))


def phrases_for(
    commands: Iterable[Command], phrases: Mapping[Command, Iterable[str]]
) -> list[str]:
    """All phrases of the given commands, normalized, sorted: the recognizer's word list."""
    wanted = set(commands)
    return sorted({normalize(p) for c, items in phrases.items() if c in wanted for p in items})


def contained_phrases(text: str, phrases: Mapping[Command, Iterable[str]]) -> list[str]:
    """Command phrases that occur as whole words inside `text` (a cue must contain none)."""
    padded = f" {normalize(text)} "
    return sorted(p for p in phrase_index(phrases) if f" {p} " in padded)


def addressed_phrases(phrases: Mapping[Command, Iterable[str]], name: str
                      ) -> dict[Command, tuple[str, ...]]:
    """The phrase table the recognizers hear in addressed mode ("coach, pause").

    Every phrase becomes "<name> <phrase>", so each backend's grammar, prompt and matching need
    no special case; stop and the safety phrases stay heard bare too (anyone may say them, with
    no name). The Command each phrase stands for is unchanged.
    """
    prefix = normalize(name)
    return {
        command: tuple(dict.fromkeys([
            *(normalize(p) for p in items if command in ALWAYS_HEARD),
            *(f"{prefix} {normalize(p)}" for p in items),
        ]))
        for command, items in phrases.items()
    }


def unaddressed_phrases(phrases: Mapping[Command, Iterable[str]]) -> dict[str, Command]:
    """The bare phrases that need the name in addressed mode, with the command they would be:
    the recognizers hear them as known non-commands, the gate names them when it refuses one."""
    return {normalize(p): command for command, items in phrases.items()
            if command not in ALWAYS_HEARD for p in items}
