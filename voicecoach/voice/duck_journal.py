"""The ducking journal: which streams this process lowered and their volumes, so a later start can
restore them after voicecoach died without restoring (SIGKILL, power cut of the process, a hang).

One small JSON file per process (`ducked-streams-<pid>.json` in the data folder), written before
any volume is lowered and removed once every volume is back. A journal whose process is gone is
"left behind"; its streams are restored at the next start if they still play and still carry a
volume the ducker could have set (between the lowered and the original one): anything else means
the user (or another program) chose a volume since, which is theirs to keep.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from voicecoach.audio.pulse_streams import PlayingStream

PREFIX = "ducked-streams-"
VOLUME_TOLERANCE = 0.005
"""pa_volume_t is an integer (65536 = 100 %): a volume read back can differ by one step."""


@dataclass(frozen=True)
class DuckedStream:
    """One stream the ducker lowered: who it is, its volume before, and the lowest volume set."""

    index: int
    application: str
    pid: int | None
    original: tuple[float, ...]
    ducked: tuple[float, ...]

    def is_same(self, stream: PlayingStream) -> bool:
        """Same index, program and pid: the server reuses no index while it runs."""
        return (stream.index, stream.application, stream.pid) == (self.index, self.application, self.pid)

    def could_be_ours(self, volume: Sequence[float]) -> bool:
        """True if `volume` is one the ramp could have left (between lowered and original)."""
        return len(volume) == len(self.original) and all(
            low - VOLUME_TOLERANCE <= v <= high + VOLUME_TOLERANCE
            for v, low, high in zip(volume, self.ducked, self.original, strict=True)
        )


def journal_path(data_dir: Path, pid: int) -> Path:
    """Where process `pid` keeps its journal."""
    return data_dir / f"{PREFIX}{pid}.json"


def write_journal(path: Path, streams: Iterable[DuckedStream]) -> None:
    """Replace the journal atomically (temp file + rename): a kill mid-write leaves the old one.

    No fsync: a killed process's writes are still in the page cache, and after a power cut the
    sound server has forgotten the lowered volumes anyway.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"pid": os.getpid(), "streams": [asdict(s) for s in streams]}
    fd, temp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def remove_journal(path: Path) -> None:
    """Forget the journal (every stream is back); a missing file is fine."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def read_journal(path: Path) -> list[DuckedStream]:
    """The streams in a journal; an unreadable or malformed one counts as empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            DuckedStream(int(s["index"]), str(s["application"]),
                         None if s["pid"] is None else int(s["pid"]),
                         tuple(float(v) for v in s["original"]), tuple(float(v) for v in s["ducked"]))
            for s in data["streams"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def left_behind(data_dir: Path) -> list[Path]:
    """Journals of voicecoach processes that are gone (a live one is still ducking: leave it)."""
    found: list[Path] = []
    with contextlib.suppress(OSError):
        for path in sorted(data_dir.glob(f"{PREFIX}*.json")):
            pid_text = path.stem.removeprefix(PREFIX)
            if pid_text.isdigit() and int(pid_text) != os.getpid() and _is_alive(int(pid_text)):
                continue
            found.append(path)
    return found


def restore_plan(ducked: Iterable[DuckedStream],
                 playing: Iterable[PlayingStream]) -> list[tuple[int, tuple[float, ...]]]:
    """(index, original volume) for every journaled stream that still plays at a volume of ours."""
    now = {s.index: s for s in playing}
    return [
        (d.index, d.original) for d in ducked
        if (s := now.get(d.index)) is not None and d.is_same(s) and d.could_be_ours(s.volume)
    ]
