"""A Voice for machines with no speaker (or one lost mid-workout): prints each cue with its time."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO

from voicecoach.events import Cue, CueKind, Earcon, SpeechFinished, SpeechStarted
from voicecoach.ports import Post

_MARK = {CueKind.SAFETY: "!", CueKind.ACK: ">", CueKind.FORM: "~"}
"""A one-character hint of the cue's kind; counts and information get none."""


class PrintedVoice:
    """Prints cues instead of speaking them (reports each as spoken at once)."""

    def __init__(self, post: Post | None = None, stream: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._post = post
        self._stream = stream
        """None: sys.stdout as it is when printing (the live panel redirects it after we start)."""
        self._clock = clock
        self._origin_s = clock()

    def say(self, cue: Cue) -> None:
        """Print `[  12.0 s] ! text`; posts SpeechStarted/SpeechFinished like a player would."""
        self._line(f"{_MARK.get(cue.kind, ' ')} {cue.text}")
        if self._post is not None:
            self._post(SpeechStarted(cue.text))
            self._post(SpeechFinished(cue.text))

    def earcon(self, earcon: Earcon) -> None:
        """Print the tone's name."""
        self._line(f"  ({earcon.value.replace('_', ' ')})")

    def set_volume(self, level: float) -> None:
        """Printed cues have no loudness; the view shows the level and the earcon's line follows."""

    def notice(self, text: str) -> None:
        """Print a line about the voice itself (the speaker was lost, or is back), not a cue."""
        self._line(text)

    def close(self) -> None:
        """Flush what was printed."""
        (self._stream or sys.stdout).flush()

    def _line(self, text: str) -> None:
        print(f"[{self._clock() - self._origin_s:7.1f} s] {text}", file=self._stream, flush=True)
