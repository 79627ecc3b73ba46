"""The ducking journal: written atomically, read back whole, and restored only where it is ours."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.audio.pulse_streams import PlayingStream
from voicecoach.voice.duck_journal import (
    DuckedStream,
    journal_path,
    left_behind,
    read_journal,
    remove_journal,
    restore_plan,
    write_journal,
)

MUSIC = DuckedStream(7, "mpv", 4242, (1.0, 0.8), (0.631, 0.505))


def playing(index: int = 7, application: str = "mpv", pid: int | None = 4242,
            volume: tuple[float, ...] = (0.631, 0.505)) -> PlayingStream:
    return PlayingStream(index, application, pid, volume)


def test_a_journal_reads_back_whole_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = journal_path(tmp_path / "data", 123)
    write_journal(path, [MUSIC, DuckedStream(9, "paplay", None, (0.5,), (0.3,))])
    write_journal(path, [MUSIC])  # replaced, not appended
    assert read_journal(path) == [MUSIC]
    assert [p.name for p in path.parent.iterdir()] == ["ducked-streams-123.json"]
    remove_journal(path)
    remove_journal(path)  # twice is fine
    assert not path.exists()


@pytest.mark.parametrize("text", ["", "{", '{"streams": [{"index": 1}]}', "[]"])
def test_a_broken_journal_counts_as_empty(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ducked-streams-5.json"
    path.write_text(text)
    assert read_journal(path) == []


@pytest.mark.parametrize(("now", "restored"), [
    (playing(), True),                                  # fully lowered
    (playing(volume=(0.8, 0.6)), True),                 # killed mid-ramp
    (playing(volume=(1.0, 0.8)), True),                 # already back: setting it again is harmless
    (playing(volume=(0.3, 0.3)), False),                # the user turned it down further
    (playing(volume=(1.2, 0.8)), False),                # the user turned it up
    (playing(volume=(0.631,)), False),                  # not the same channels
    (playing(pid=1), False),                            # the index was reused by another program
    (playing(application="vlc"), False),
    (playing(index=8), False),                          # our stream has ended
])
def test_restore_only_streams_that_still_carry_our_volume(now: PlayingStream, restored: bool) -> None:
    assert restore_plan([MUSIC], [now]) == ([(7, (1.0, 0.8))] if restored else [])


def test_a_journal_is_left_behind_only_when_its_process_is_gone(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(gone.stdout)
    for pid in (dead_pid, os.getppid(), os.getpid()):
        write_journal(journal_path(tmp_path, pid), [MUSIC])
    (tmp_path / "unrelated.json").write_text("{}")
    found = {p.name for p in left_behind(tmp_path)}
    # our own pid's journal can only be from an earlier process that had this pid
    assert found == {f"ducked-streams-{dead_pid}.json", f"ducked-streams-{os.getpid()}.json"}
    assert left_behind(tmp_path / "missing") == []
