"""The Whisper backend on voice_control.py's corpus and scoring, with a size that fits a deadline.

    python benchmarks/whisper_check.py [--speakers 4] [--snrs 10,5] [--cues 196] [--noise-s 120]

Prints the same markdown tables as voice_control.py (acceptance per condition, false accepts per
hour on the coach's cues / other speech / noise, latency, CPU and peak memory of a fresh
listening process) plus every failed command clip with what Whisper wrote instead.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import voice_control as bench

from voicecoach import corpus
from voicecoach.commands import Command
from voicecoach.ears.base import SAMPLE_RATE_HZ, Recognition
from voicecoach.ears.whisper_backend import WhisperRecognizer
from voicecoach.synth import Noise, make_noise


def build(phrases, n_speakers: int, snrs: Sequence[float], n_cues: int, noise_s: float,
          seed: int = 0) -> bench.Corpus:
    """voice_control's corpus, sized by the arguments (its --quick/full sizes are fixed)."""
    voices = corpus.speakers(n_speakers, "test", seed)
    clips = list(corpus.command_clips(phrases, voices, corpus.conditions(snrs), seed))
    cues, prose = bench.routine_texts()
    others = corpus.speakers(12, "test", seed + 1)
    stretches = {
        "coach cues": corpus.stretch(corpus.phrase_clips(cues[:n_cues], [bench.COACH], seed=seed)),
        "other speech": corpus.stretch(corpus.phrase_clips(
            list(corpus.CHATTER) + prose, others, seed=seed)),
    }
    for kind in Noise:
        stretches[f"{kind} noise"] = corpus.noise_stretch(kind, noise_s, 0.03, seed)
    return bench.Corpus(clips, stretches)


class Recording:
    """Passes everything to the backend and keeps its results, one list per set_commands call
    (voice_control.measure calls it once before each clip and each stretch)."""

    def __init__(self, recognizer: WhisperRecognizer) -> None:
        self.name = recognizer.name
        self._recognizer = recognizer
        self.rounds: list[list[Recognition]] = []

    def set_commands(self, commands: Collection[Command]) -> None:
        """Start a new round."""
        self.rounds.append([])
        self._recognizer.set_commands(commands)

    def accept(self, pcm: bytes) -> list[Recognition]:
        """Feed audio and keep the results."""
        return self._kept(self._recognizer.accept(pcm))

    def flush(self) -> list[Recognition]:
        """End the stream and keep the results."""
        return self._kept(self._recognizer.flush())

    def _kept(self, results: list[Recognition]) -> list[Recognition]:
        self.rounds[-1] += results
        return results


def failures(data: bench.Corpus, rounds: list[list[Recognition]]) -> Counter[str]:
    """Every command clip not recognized: "phrase [condition] -> what was written"."""
    missed: Counter[str] = Counter()
    for clip, results in zip(data.commands, rounds, strict=False):
        if not any(r.command is clip.command for r in results):
            heard = " | ".join(r.text or "<overlong>" for r in results) or "<nothing>"
            missed[f"{clip.text!r} [{clip.condition.label}] -> {heard!r}"] += 1
    return missed


def listen_worker(seconds: float) -> None:
    """In a fresh process: load the model and listen to a quiet room holding a few commands."""
    began = resource.getrusage(resource.RUSAGE_SELF)
    recognizer = WhisperRecognizer(bench.load_phrases())
    loaded = resource.getrusage(resource.RUSAGE_SELF)
    rng = np.random.default_rng(1)
    room = make_noise(Noise.PINK, round(seconds * SAMPLE_RATE_HZ), rng) * 0.003
    speaker = corpus.speakers(1, "test")[0]
    for i, text in enumerate(["pause", "how many left", "resume", "the weather is nice"]):
        speech = speaker.say(text)
        at = round((i + 1) * seconds / 5 * SAMPLE_RATE_HZ)
        room[at : at + len(speech)] += speech[: len(room) - at]
    bench._feed(recognizer, room)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (after.ru_utime - loaded.ru_utime) + (after.ru_stime - loaded.ru_stime)
    load_s = (loaded.ru_utime - began.ru_utime) + (loaded.ru_stime - began.ru_stime)
    print(json.dumps({"cpu_pct": round(100 * cpu_s / seconds, 2),
                      "peak_mb": round(after.ru_maxrss / 1024, 1),
                      "load_cpu_s": round(load_s, 2)}))


def listening_cost(seconds: float) -> dict[str, float]:
    """CPU % of one core and peak RSS of a fresh listening process."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--listen-worker",
                          "--seconds", str(seconds)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speakers", type=int, default=4)
    parser.add_argument("--snrs", default="20,10,5", help="comma-separated SNRs in dB")
    parser.add_argument("--cues", type=int, default=1000, help="at most this many coach cues")
    parser.add_argument("--noise-s", type=float, default=120.0, help="seconds of each noise")
    parser.add_argument("--min-confidence", type=float, default=0.6)
    parser.add_argument("--listen-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=60.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.listen_worker:
        listen_worker(args.seconds)
        return 0
    phrases = bench.load_phrases()
    began = time.time()
    snrs = [float(s) for s in args.snrs.split(",") if s]
    data = build(phrases, args.speakers, snrs, args.cues, args.noise_s)
    print(f"corpus: {len(data.commands)} command clips, "
          f"{sum(len(a) for a in data.stretches.values()) / SAMPLE_RATE_HZ / 60:.1f} min of "
          f"non-command audio ({time.time() - began:.0f} s to make)", file=sys.stderr)
    began = time.time()
    recording = Recording(WhisperRecognizer(phrases))
    score = bench.measure(recording, data, args.min_confidence)
    print(f"measured in {time.time() - began:.0f} s", file=sys.stderr)
    record = bench.summary("whisper", score, listening_cost(60.0))
    print(bench.markdown([record]))
    print("\n### Failed command clips\n")
    for line, count in sorted(failures(data, recording.rounds).items()):
        print(f"- {line}" + (f" (x{count})" if count > 1 else ""))
    for name, info in record["false_accepts"].items():  # type: ignore[union-attr]
        if info["heard"]:
            print(f"- false accepts in {name}: {info['heard']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
