"""The live timeline: one line per record, readable while the workout is still running."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from voicecoach.commands import Command
from voicecoach.ears import Heard, Recognition
from voicecoach.errors import UsageError
from voicecoach.events import (
    CommandHeard,
    Cue,
    CueKind,
    Earcon,
    Snapshot,
    SpeechFinished,
    SpeechStarted,
)
from voicecoach.states import State
from voicecoach.views import TimelineView, ViewTee, VoiceTee, read_timeline


class Clock:
    now_s = 12.5

    def __call__(self) -> float:
        return self.now_s


class Timer:
    def duration_s(self, text: str) -> float:
        return len(text) / 10


class Recorded:
    """A Voice or View that remembers its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def say(self, cue: Cue) -> None:
        self.calls.append(("say", cue))

    def earcon(self, earcon: Earcon) -> None:
        self.calls.append(("earcon", earcon))

    def close(self) -> None:
        self.calls.append(("close", None))

    def update(self, snapshot: Snapshot) -> None:
        self.calls.append(("update", snapshot))

    def heard(self, event: CommandHeard) -> None:
        self.calls.append(("heard", event))


def snapshot(event: str, detail: str | None = None, state: State = State.WORKING) -> Snapshot:
    return Snapshot(time_s=12.5, event=event, detail=detail, state=state, exercise="leg-lifts",
                    variation="straight-leg", set=1, sets=2, rep=3, reps=8, phase="lower",
                    phase_start_s=12.0, phase_end_s=16.0, tempo="4-0-2-0", last_cue=None)


def test_each_record_is_on_disk_as_soon_as_it_happens(tmp_path: Path) -> None:
    path = tmp_path / "timeline.jsonl"
    timeline = TimelineView(path, Clock(), Timer())
    posted: list[object] = []
    post = timeline.watch(posted.append)
    timeline.heard(CommandHeard(Command.PAUSE, "wait", 0.71))
    timeline.update(snapshot("command", "pause", State.PAUSED))
    voice = VoiceTee(Recorded(), timeline)
    voice.say(Cue("Paused. Take your time.", CueKind.ACK))
    post(SpeechStarted("Paused. Take your time."))
    timeline.update(snapshot("speech"))  # the runner's snapshot of it adds nothing
    post(SpeechFinished("Paused. Take your time."))
    records = read_timeline(path)  # still open: every line was flushed
    timeline.close()
    assert [(r.event, r.detail, r.text) for r in records] == [
        ("command", "pause", None),
        ("cue", None, "Paused. Take your time."),
        ("speech", "started", "Paused. Take your time."),
        ("speech", "finished", "Paused. Take your time."),
    ]
    assert records[0].data == {"text": "wait", "confidence": 0.71}
    assert (records[0].state, records[0].rep, records[0].phase) == ("paused", 3, "lower")
    assert (records[1].kind, records[1].duration_s, records[1].time_s) == (CueKind.ACK, 2.3, 12.5)
    assert posted == [SpeechStarted("Paused. Take your time."),
                      SpeechFinished("Paused. Take your time.")]


def test_recognitions_carry_the_gates_verdict_and_when_they_were_said(tmp_path: Path) -> None:
    path = tmp_path / "timeline.jsonl"
    timeline = TimelineView(path, Clock(), Timer())
    timeline.update(snapshot("phase"))
    now = time.monotonic()
    heard = Heard(Recognition(Command.STOP, "end workout", 0.61, "pocketsphinx"),
                  now - 1.0, now - 0.5, "coach speaking", kept_db=-23.46)
    timeline.recognized(heard)
    timeline.close()
    record = read_timeline(path)[-1]
    assert (record.event, record.detail, record.text) == ("heard", "coach speaking",
                                                          "end workout")
    assert record.data is not None
    assert record.data["command"] == "stop" and record.data["confidence"] == 0.61
    assert record.data["start_s"] == pytest.approx(11.5, abs=0.05)
    assert record.data["end_s"] == pytest.approx(12.0, abs=0.05)
    assert record.data["kept_db"] == -23.5


def test_before_the_clock_starts_records_are_at_zero(tmp_path: Path) -> None:
    path = tmp_path / "timeline.jsonl"
    timeline = TimelineView(path, Clock(), Timer())
    timeline.said(Cue("From last time: try harder."))
    timeline.close()
    assert [(r.time_s, r.state) for r in read_timeline(path)] == [(0.0, "ready")]


def test_tees_pass_everything_on(tmp_path: Path) -> None:
    timeline = TimelineView(tmp_path / "t.jsonl", Clock(), Timer())
    live, inner = Recorded(), Recorded()
    view, voice = ViewTee(live, timeline), VoiceTee(inner, timeline)
    command = CommandHeard(Command.STOP)
    view.heard(command)
    view.update(snapshot("command", "stop", State.STOPPED))
    voice.earcon(Earcon.SET_DONE)
    voice.close()
    timeline.close()
    assert [name for name, _ in live.calls] == ["heard", "update"]
    assert inner.calls == [("earcon", Earcon.SET_DONE), ("close", None)]
    assert [r.event for r in read_timeline(tmp_path / "t.jsonl")] == ["command", "earcon"]


def test_an_unwritable_path_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot write the timeline to .*--timeline"):
        TimelineView(tmp_path / "missing" / "t.jsonl", Clock(), Timer())
