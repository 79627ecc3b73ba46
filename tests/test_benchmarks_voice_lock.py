"""The voice-lock benchmark's arithmetic: who is counted where, at which threshold."""

from __future__ import annotations

import numpy as np

from benchmarks.voice_lock import Probe, markdown, score
from voicecoach.commands import Command
from voicecoach.sim.corpus import Speaker

ANN = Speaker("en-us+f3", 150, 50)
BOB = Speaker("en-gb+m3", 165, 40)


def probe(speaker: Speaker, command: Command, is_obeyed: bool = True) -> Probe:
    return Probe(speaker, command, command.value, is_obeyed, command.value, np.zeros(0))


def test_own_and_others_are_scored_at_the_threshold_and_safety_bypasses_it() -> None:
    probes = [probe(ANN, Command.PAUSE), probe(ANN, Command.SKIP, is_obeyed=False),
              probe(BOB, Command.PAUSE), probe(BOB, Command.SKIP), probe(BOB, Command.STOP)]
    rows = [(ANN, probes[0], 1.2, 0.5), (ANN, probes[2], 3.0, 0.5), (ANN, probes[3], 1.4, 0.5),
            (BOB, probes[0], 2.0, 0.5), (BOB, probes[2], 0.9, 0.5), (BOB, probes[3], 1.8, 0.5)]
    figures = score(probes, rows, floor=1.5)
    assert figures["own_open_pct"] == 75.0  # 3 of the 4 non-safety probes obeyed open
    assert figures["own_locked_pct"] == 50.0  # ANN's pause (1.2) and BOB's pause (0.9) pass
    assert figures["others_count"] == 3
    assert round(figures["others_refused_pct"], 1) == 66.7  # 3.0 and 2.0 refused, 1.4 passes
    assert figures["safety_open_pct"] == figures["safety_locked_pct"] == 100.0


def test_the_table_names_both_halves_and_the_command() -> None:
    probes = [probe(ANN, Command.PAUSE)]
    figures = score(probes, [(ANN, probes[0], 1.0, 0.5)], floor=1.5)
    records = [{"split": split, "backend": "whisper", "shipped": figures,
                "sweep": {str(f): figures for f in (1.0, 1.25, 1.5, 1.75, 2.0, 2.5)}}
               for split in ("tune", "test")]
    table = markdown(records, "python benchmarks/voice_lock.py")
    assert "with `python benchmarks/voice_lock.py`" in table
    assert "| tune (fitted on) | whisper | 1 | 100 % | 100 % |" in table
    assert "| test (held out) |" in table
