"""Voice-lock benchmark: what the lock costs the calibrated user and what it refuses of others.

    python benchmarks/voice_lock.py [--backend whisper|pocketsphinx] [--speakers N] [--out DIR]

Every synthetic speaker of a split is "calibrated" (two takes of each command's first phrase,
said a little slower and faster, higher and lower, in a quiet room: pink noise at 30 dB), then
every speaker says every command once in an ordinary room (pink noise at 20 dB). Each utterance
goes through the real Listener (recognizer, gate, its audio ring) once, and is then judged
against every calibrated speaker's profile, as the lock would. Reported per split:

- the user's own commands obeyed, open and locked (the lock's cost);
- other voices' non-safety commands refused by the lock, of those the open mode obeyed (target
  >= 95 %);
- other voices' stop and safety phrases obeyed, open and locked (must be equal: they bypass it).

The speaker check's constants (speaker_check.MIN_THRESHOLD, THRESHOLD_MARGIN) were chosen on the
"tune" voices; the "test" voices are held out. A sweep of the threshold floor on both shows the
trade-off. Prints markdown and writes JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.voice_control import RESULTS_DIR, backends, load_phrases
from voicecoach.commands import ALWAYS_HEARD, Command
from voicecoach.ears import EchoGate, GatePolicy, Listener
from voicecoach.ears import speaker_check as check
from voicecoach.ears.capture import BLOCK_FRAMES
from voicecoach.sim import corpus
from voicecoach.sim.corpus import Condition, Speaker
from voicecoach.sim.synth import Noise, pad

ENROL_ROOM = Condition(Noise.PINK, 30.0)
"""Calibration happens in a quiet moment (calibrate warns when the room is loud)."""
USE_ROOM = Condition(Noise.PINK, 20.0)
"""Commands during a workout: an ordinary room, noisier than the calibration."""
TAKE_VARIATION = ((-0.06, -3), (0.06, 3))
"""(relative speed, pitch step) of the two calibration takes: nobody says a word twice alike."""
FLOORS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5)
"""Threshold floors swept to show the trade-off (the shipped one is speaker_check.MIN_THRESHOLD)."""


def varied(speaker: Speaker, speed: float, pitch: int) -> Speaker:
    """The same voice a little faster or slower, higher or lower."""
    return Speaker(speaker.voice, round(speaker.speed_wpm * (1 + speed)), speaker.pitch + pitch)


@dataclass(frozen=True)
class Probe:
    """One utterance of a command as the open listener judged it, with its audio."""

    speaker: Speaker
    command: Command
    text: str
    is_obeyed: bool
    """Recognized as this command and admitted by the gate (the open mode obeys it)."""
    heard_text: str
    samples: np.ndarray


def enrol(speaker: Speaker, phrases: Mapping[Command, Sequence[str]],
          rng: np.random.Generator) -> dict[Command, list[np.ndarray]]:
    """The speaker's calibration takes of each command's first phrase, as cepstra."""
    takes = {}
    for command, items in phrases.items():
        takes[command] = [
            check.features(ENROL_ROOM.apply(pad(varied(speaker, s, p).say(items[0]), 0.3, 0.3),
                                            rng))
            for s, p in TAKE_VARIATION]
    return takes


def probe(listener: Listener, speaker: Speaker, command: Command, text: str,
          rng: np.random.Generator) -> Probe:
    """Say `text` into the listener (100 ms blocks, as the capture feeds it) and keep its verdict."""
    samples = USE_ROOM.apply(pad(speaker.say(text), 0.5, 0.8), rng)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    heard = []
    for offset in range(0, len(pcm), BLOCK_FRAMES * 2):
        heard += listener.feed(pcm[offset:offset + BLOCK_FRAMES * 2], offset / 32000)
    heard += listener.finish()
    obeyed = [h for h in heard if h.rejected_because is None and h.recognition.command is command]
    if not obeyed:
        return Probe(speaker, command, text, False, "", np.zeros(0, np.float32))
    return Probe(speaker, command, text, True, obeyed[0].recognition.text,
                 listener.audio_of(obeyed[0].recognition))


def distances(probes: Sequence[Probe], users: Mapping[Speaker, dict[Command, list[np.ndarray]]]
              ) -> list[tuple[Speaker, Probe, float, float]]:
    """(user, probe, distance to the user's nearest take, spread of the user's takes) for every
    obeyed non-safety probe against every user."""
    rows = []
    for user, takes in users.items():
        spread = {c: check.dtw_distance(*t) for c, t in takes.items()}
        for p in probes:
            if not p.is_obeyed or p.command in ALWAYS_HEARD:
                continue
            verdict = check.judge(p.samples, takes[p.command], 0.0)
            rows.append((user, p, verdict.distance, spread[p.command]))
    return rows


def score(probes: Sequence[Probe], rows: Sequence[tuple[Speaker, Probe, float, float]],
          floor: float) -> dict[str, float | int]:
    """The table's figures at a threshold floor."""
    def threshold(spread: float) -> float:
        return max(floor, check.THRESHOLD_MARGIN * spread)

    users = {u for u, *_ in rows}
    own = [p for p in probes if p.command not in ALWAYS_HEARD]
    own_locked = [d <= threshold(s) for u, p, d, s in rows if p.speaker == u]
    others = [d > threshold(s) for u, p, d, s in rows if p.speaker != u]
    safety = [p for p in probes if p.command in ALWAYS_HEARD]
    n_users = len(users)
    return {
        "users": n_users,
        "own_open_pct": 100 * sum(p.is_obeyed for p in own) / max(1, len(own)),
        "own_locked_pct": 100 * sum(own_locked) / max(1, len(own)),
        "others_refused_pct": 100 * sum(others) / max(1, len(others)),
        "others_count": len(others),
        # stop and safety bypass the lock: obeyed from others exactly as in the open mode
        "safety_open_pct": 100 * sum(p.is_obeyed for p in safety) / max(1, len(safety)),
        "safety_locked_pct": 100 * sum(p.is_obeyed for p in safety) / max(1, len(safety)),
    }


def run_split(split: corpus.Split, count: int, backend: str,
              phrases: Mapping[Command, Sequence[str]], seed: int) -> dict[str, object]:
    """Enrol and probe one split's speakers; the figures at every floor."""
    rng = np.random.default_rng(seed)
    voices = corpus.speakers(count, split, seed=seed)
    recognizer = backends(phrases)[backend](phrases)
    listener = Listener(recognizer, EchoGate(None, GatePolicy()))
    listener.listen_for_commands(frozenset(Command))
    started = time.perf_counter()
    users = {v: enrol(v, phrases, rng) for v in voices}
    probes = [probe(listener, v, c, items[0], rng) for v in voices for c, items in phrases.items()]
    rows = distances(probes, users)
    return {"split": split, "backend": backend, "speakers": [v.label for v in voices],
            "seconds": round(time.perf_counter() - started, 1),
            "shipped": score(probes, rows, check.MIN_THRESHOLD),
            "sweep": {str(f): score(probes, rows, f) for f in FLOORS}}


def markdown(records: Sequence[Mapping[str, object]], command: str) -> str:
    """The README table and the sweep."""
    date = time.strftime("%Y-%m-%d")
    lines = [f"Measured {date} with `{command}` (threshold floor {check.MIN_THRESHOLD}, "
             f"margin {check.THRESHOLD_MARGIN}).", "",
             "| voices | backend | users | own commands obeyed, open | locked | others' "
             "non-safety commands refused | others' stop/safety obeyed, open | locked |",
             "|---|---|---|---|---|---|---|---|"]
    for r in records:
        s = r["shipped"]
        assert isinstance(s, dict)
        label = "tune (fitted on)" if r["split"] == "tune" else "test (held out)"
        lines.append(f"| {label} | {r['backend']} | {s['users']} | {s['own_open_pct']:.0f} % | "
                     f"{s['own_locked_pct']:.0f} % | {s['others_refused_pct']:.1f} % "
                     f"(of {s['others_count']}) | {s['safety_open_pct']:.0f} % | "
                     f"{s['safety_locked_pct']:.0f} % |")
    lines += ["", "Threshold floor sweep (own commands obeyed locked / others refused):", "",
              "| floor | " + " | ".join(f"{r['split']}" for r in records) + " |",
              "|---|" + "---|" * len(records)]
    for floor in FLOORS:
        cells = []
        for r in records:
            sweep = r["sweep"]
            assert isinstance(sweep, dict)
            s = sweep[str(floor)]
            cells.append(f"{s['own_locked_pct']:.0f} % / {s['others_refused_pct']:.1f} %")
        lines.append(f"| {floor} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run both splits and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="whisper", choices=("whisper", "pocketsphinx"))
    parser.add_argument("--speakers", type=int, default=8, help="speakers per split (default 8)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    phrases = load_phrases()
    records = [run_split(split, args.speakers, args.backend, phrases, args.seed)
               for split in ("tune", "test")]
    command = "python benchmarks/voice_lock.py " + " ".join(argv if argv is not None else
                                                            sys.argv[1:])
    print(markdown(records, command.strip()))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"voice_lock-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(records, indent=1))
    print(f"\n(JSON in {out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
