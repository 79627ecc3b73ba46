"""Shared by the English recognizer tests (pocketsphinx, Whisper): the phrase table and feeding."""

from __future__ import annotations

import numpy as np

from voicecoach.audio import to_pcm16
from voicecoach.commands import Command
from voicecoach.ears import Recognition, Recognizer

PHRASES: dict[Command, tuple[str, ...]] = {
    Command.START: ("start", "go", "let's go"),
    Command.PAUSE: ("pause", "wait"),
    Command.RESUME: ("resume", "continue"),
    Command.STOP: ("stop", "end workout"),
    Command.SKIP: ("skip", "next exercise"),
    Command.REPEAT: ("repeat", "say again"),
    Command.EASIER: ("easier", "make it easier"),
    Command.HARDER: ("harder", "make it harder"),
    Command.SLOWER: ("slower", "slow down"),
    Command.FASTER: ("faster", "speed up"),
    Command.HOW_MANY_LEFT: ("how many left", "how many more"),
    Command.WHATS_NEXT: ("what's next", "what is next"),
    Command.REST: ("rest", "take a break"),
    Command.READY: ("ready", "i'm ready"),
    Command.SAFETY: ("my back hurts", "ouch", "pain", "that hurts"),
}
"""The shipped defaults (config/voicecoach.toml), spelled out so the tests need no settings."""


def hear(recognizer: Recognizer, samples: np.ndarray) -> list[Recognition]:
    """Stream audio in 100 ms blocks like the live capture, then end the stream."""
    pcm = to_pcm16(samples)
    results = [r for i in range(0, len(pcm), 3200) for r in recognizer.accept(pcm[i : i + 3200])]
    return results + recognizer.flush()


def commands_in(results: list[Recognition]) -> list[Command]:
    """The commands among the results, in order."""
    return [r.command for r in results if r.command is not None]
