"""The timeline's records and their JSONL format: one line per event, cue, earcon and history record.

A simulation returns these records, a real-time workout writes them as they happen
(`timeline_view.py`), and `voicecoach render` and the end-to-end tests read them back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from voicecoach.errors import UsageError
from voicecoach.events import CueKind


@dataclass(frozen=True)
class TimelineRecord:
    """One line of the timeline (see README, "Timeline format")."""

    time_s: float
    event: str
    detail: str | None
    state: str
    exercise: str | None
    variation: str | None
    set: int
    rep: int
    phase: str | None
    text: str | None = None
    """What the coach says; only on `cue` records (a `dropped` cue's text is in `detail`)."""
    kind: CueKind | None = None
    duration_s: float | None = None
    data: dict[str, Any] | None = None

    def to_json(self) -> str:
        """One compact JSON object; the cue kind as its lower-case name."""
        values = asdict(self)
        values["kind"] = self.kind.name.lower() if self.kind is not None else None
        return json.dumps(values, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> TimelineRecord:
        """Read back one line written by `to_json`."""
        values = json.loads(line)
        kind = values.get("kind")
        values["kind"] = CueKind[kind.upper()] if kind else None
        return cls(**values)


def write_timeline(records: Sequence[TimelineRecord], path: Path) -> None:
    """Write JSONL, one record per line, in time order."""
    lines = [r.to_json() for r in records]
    try:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the timeline to {path}: {exc.strerror}; "
                         "choose a writable path for --timeline") from None


def read_timeline(path: Path) -> list[TimelineRecord]:
    """Read a timeline written by `write_timeline` (for tests and `voicecoach render`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [TimelineRecord.from_json(line) for line in lines if line.strip()]
