"""The timeline of a real-time workout, written as it happens: one flushed JSON line per record.

Same records as a simulation's timeline (timeline.TimelineRecord), so a test or a script can
tail the file while the workout runs: `command`, phase and countdown records from the session's
snapshots; a `cue` record when the coach is asked to say something (its text and kind);
`speech` records when the speaker really starts (`detail` "started") and stops ("finished")
saying a text; and a `heard` record for every recognition, with the gate's verdict in `detail`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from voicecoach.errors import UsageError
from voicecoach.events import (
    CommandHeard,
    Cue,
    Earcon,
    Event,
    Snapshot,
    SpeechFinished,
    SpeechStarted,
)
from voicecoach.ports import CueTimer, Post, View, Voice
from voicecoach.views.timeline import TimelineRecord

if TYPE_CHECKING:
    from voicecoach.ears import Heard


class TimelineView:
    """A View that appends the timeline to a file line by line; safe to call from any thread.

    Times are session seconds on the workout's clock; anything before the first event (the
    clock starts with the runner) is stamped 0.0.
    """

    def __init__(self, path: Path, clock: Callable[[], float], timer: CueTimer) -> None:
        try:
            self._file: IO[str] = path.open("w", encoding="utf-8", buffering=1)
        except OSError as exc:
            raise UsageError(f"cannot write the timeline to {path}: {exc.strerror}; "
                             "choose a writable path for --timeline") from None
        self._clock = clock
        self._timer = timer
        self._lock = threading.Lock()
        self._last: Snapshot | None = None
        self._command: CommandHeard | None = None

    # ---- View port (the runner's loop) ----------------------------------------------------

    def update(self, snapshot: Snapshot) -> None:
        """One record per handled event; speech is recorded with its text by `watch` instead."""
        with self._lock:
            self._last = snapshot
            if snapshot.event == "speech":
                return
            command, self._command = self._command, None
            data = None
            if snapshot.event == "command" and command is not None:
                data = {"text": command.text, "confidence": round(command.confidence, 3)}
            self._write(snapshot.time_s, snapshot.event, snapshot.detail, data=data)

    def heard(self, event: CommandHeard) -> None:
        """Keep what was said, for the `command` record that follows."""
        with self._lock:
            self._command = event

    # ---- the other sources ----------------------------------------------------------------

    def said(self, cue: Cue) -> None:
        """The coach was asked to say `cue` (it may start later, behind other cues)."""
        self._add("cue", None, text=cue.text, kind=cue.kind,
                  duration_s=round(self._timer.duration_s(cue.text), 3))

    def earcon(self, earcon: Earcon) -> None:
        """A tone was asked for."""
        self._add("earcon", earcon.value)

    def watch(self, post: Post) -> Post:
        """A `post` for the voice that records when each text really starts and stops sounding."""

        def post_and_record(event: Event) -> None:
            if isinstance(event, SpeechStarted):
                self._add("speech", "started", text=event.text)
            elif isinstance(event, SpeechFinished):
                self._add("speech", "finished", text=event.text)
            post(event)

        return post_and_record

    def recognized(self, heard: Heard) -> None:
        """Every recognition, admitted or not (`detail` says why the gate turned it down)."""
        r = heard.recognition
        now_s, since_s = self._clock(), time.monotonic()
        self._add("heard", heard.rejected_because or "admitted", text=r.text, data={
            "command": r.command.value if r.command else None,
            "confidence": round(r.confidence, 3),
            # when the words were said, on the session clock (the decoder reports them late)
            "start_s": round(now_s - (since_s - heard.start_s), 3),
            "end_s": round(now_s - (since_s - heard.end_s), 3),
            "kept_db": None if heard.kept_db is None else round(heard.kept_db, 1),
            "second_listen": heard.is_second_listen, "also_heard": heard.also_heard,
            "own_words_distance": None if heard.own_words_distance is None
            else round(heard.own_words_distance, 2)})

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            self._file.close()

    # ---- writing --------------------------------------------------------------------------

    def _add(self, event: str, detail: str | None, **extra: Any) -> None:
        with self._lock:
            time_s = self._clock() if self._last is not None else 0.0
            self._write(time_s, event, detail, **extra)

    def _write(self, time_s: float, event: str, detail: str | None, **extra: Any) -> None:
        if self._file.closed:
            return
        s = self._last
        record = TimelineRecord(
            time_s=round(time_s, 3), event=event, detail=detail,
            state=s.state.value if s else "ready",
            exercise=s.exercise if s else None, variation=s.variation if s else None,
            set=s.set if s else 0, rep=s.rep if s else 0, phase=s.phase if s else None,
            **extra)
        self._file.write(record.to_json() + "\n")


class ViewTee:
    """Two views as one: the live view on the terminal and the timeline file."""

    def __init__(self, *views: View) -> None:
        self._views = views

    def update(self, snapshot: Snapshot) -> None:
        """Each view gets the snapshot."""
        for view in self._views:
            view.update(snapshot)

    def heard(self, event: CommandHeard) -> None:
        """Each view hears the command."""
        for view in self._views:
            view.heard(event)


class VoiceTee:
    """A Voice that tells the timeline what it is asked to say, then says it."""

    def __init__(self, voice: Voice, timeline: TimelineView) -> None:
        self._voice = voice
        self._timeline = timeline

    def say(self, cue: Cue) -> None:
        """Record the cue, then queue it on the real voice."""
        self._timeline.said(cue)
        self._voice.say(cue)

    def earcon(self, earcon: Earcon) -> None:
        """Record the tone, then play it."""
        self._timeline.earcon(earcon)
        self._voice.earcon(earcon)

    def set_volume(self, level: float) -> None:
        """Change the real voice's volume (the timeline has the command that asked for it)."""
        self._voice.set_volume(level)

    def close(self) -> None:
        """Close the real voice."""
        self._voice.close()

