"""Wires the adapters to the session: one queue, one loop, and the only caller of `handle`.

Scheduler jobs, the microphone and the voice only `post` events; the loop takes them one at a
time, asks the session what to do, and carries the actions out on the ports.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

from voicecoach.commands import Command
from voicecoach.events import (
    Action,
    CancelPending,
    CommandHeard,
    Cue,
    Event,
    Finish,
    PlayEarcon,
    Record,
    Say,
    Schedule,
    SetVolume,
    SpeechFinished,
)
from voicecoach.ports import Ears, Pacer, Recorder, View, Voice
from voicecoach.session.machine import Session

LAST_WORDS_S = 30.0
"""Longest wait for the after-workout words to be spoken before the voice is closed."""

POLL_S = 0.2
"""How often the loop wakes with nothing to do, so Ctrl-C is noticed promptly."""


class Runner:
    """Runs one session on real (or fake) adapters until it finishes or is interrupted."""

    def __init__(
        self,
        session: Session,
        voice: Voice,
        pacer: Pacer,
        ears: Ears | None = None,
        recorder: Recorder | None = None,
        view: View | None = None,
        inbox: queue.Queue[Event] | None = None,
    ) -> None:
        self.session = session
        self.voice = voice
        self.pacer = pacer
        self.ears = ears
        self.recorder = recorder
        self.view = view
        self.finish_reason: str | None = None
        self._queue: queue.Queue[Event] = inbox if inbox is not None else queue.Queue()
        """Adapters built before the runner post into `inbox` (its `put` is their `post`)."""
        self._heard_state = session.state
        self._last_said: str | None = None
        """The latest cue sent to the voice: closing before it is spoken would cut it off."""

    def post(self, event: Event) -> None:
        """Thread-safe: the only thing adapters call from their own threads."""
        self._queue.put(event)

    def dispatch(self, event: Event) -> None:
        """Handle one event now and carry out the actions (called only from the loop)."""
        if isinstance(event, CommandHeard):
            for listener in (self.recorder, self.view):
                if listener is not None:
                    listener.heard(event)
        actions = self.session.handle(event, self.pacer.now_s())
        if self.view is not None:
            self.view.update(self.session.snapshot())
        for action in actions:
            self._execute(action)
        if self.ears is not None and self.session.state is not self._heard_state:
            self._heard_state = self.session.state
            self.ears.listen_for(self._heard_state)

    def _execute(self, action: Action) -> None:
        match action:
            case Say(cue=cue):
                self.voice.say(cue)
                self._last_said = cue.text
            case PlayEarcon(earcon=earcon):
                self.voice.earcon(earcon)
            case SetVolume(level=level):
                self.voice.set_volume(level)
            case Schedule(event=event, at_s=at_s):
                self.pacer.schedule(event, at_s)
            case CancelPending():
                self.pacer.cancel_all()
            case Record(kind=kind, data=data):
                if self.recorder is not None:
                    self.recorder.record(kind, data)
            case Finish(reason=reason):
                self.finish_reason = reason

    def run(self, last_words: Callable[[], list[Cue]] | None = None) -> str:
        """Start the clock and the ears, loop until Finish; Ctrl-C ends the workout cleanly.

        `last_words` (progression suggestions) are spoken after the end, before the voice closes.
        """
        try:
            self.pacer.start(self.post)
            if self.view is not None:
                self.view.update(self.session.snapshot())  # show "ready" before any event
            if self.ears is not None:
                self.ears.start(self.post)
                self.ears.listen_for(self.session.state)
            while self.finish_reason is None:
                try:
                    event = self._queue.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                self.dispatch(event)
            self._say_and_wait(last_words() if last_words is not None else [])
        except KeyboardInterrupt:
            if self.finish_reason is None:
                self.dispatch(CommandHeard(Command.STOP, text="Ctrl-C"))
        finally:
            self.close()
        return self.finish_reason or "stopped"

    def _say_and_wait(self, cues: list[Cue]) -> None:
        """Say cues after the workout, then wait (at most LAST_WORDS_S) until the coach's last
        words, these or the session's goodbye, have been spoken, so closing does not cut them."""
        for cue in cues:
            self.voice.say(cue)
            self._last_said = cue.text
        deadline_s = time.monotonic() + LAST_WORDS_S
        while self._last_said is not None and time.monotonic() < deadline_s:
            try:
                event = self._queue.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if isinstance(event, SpeechFinished) and event.text == self._last_said:
                return

    def close(self) -> None:
        """Stop the clock first (no new events), then the ears, then the voice."""
        self.pacer.close()
        if self.ears is not None:
            self.ears.close()
        self.voice.close()
