"""Voice-out speed: cold-cache rendering, and cue-to-first-sample latency on a virtual speaker.

Run: `python benchmarks/voice_out.py [--trials 60]`. Prints a markdown table.
Targets: a whole routine's cache renders in < 30 s with Piper (the natural voice, on one
onnxruntime thread) and < 5 s with pyttsx3, measured side by side; first sample < 30 ms at p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.pulse import PulseServer, PulseUnavailable, reinit_portaudio
from voicecoach.cli.progress import progress_bar
from voicecoach.events import Cue, CueKind
from voicecoach.files import load_settings
from voicecoach.files.paths import PROJECT_ROOT
from voicecoach.routine import load_routine
from voicecoach.sim import simulate
from voicecoach.voice import CueCache, SoundDevicePlayer
from voicecoach.voice.piper_tts import PiperRenderer
from voicecoach.voice.piper_voices import find_voice
from voicecoach.voice.tts import EspeakNgRenderer, Pyttsx3Renderer, Renderer

ROUTINE = PROJECT_ROOT / "routines" / "leg-lifts.yaml"
RENDER_TARGET_S = {"Piper en_US-joe-medium": 30.0, "pyttsx3": 5.0, "espeak-ng program": 5.0}
FIRST_SAMPLE_TARGET_MS = 30.0


def routine_texts() -> list[str]:
    """Everything the coach says in the leg-lift routine: its cues plus the simulated ones."""
    routine = load_routine(ROUTINE)
    records = simulate(routine, load_settings().settings)
    return list(dict.fromkeys([*routine.all_cue_texts(), *(r.text for r in records if r.text)]))


def cold_render(renderer: Renderer, texts: list[str], name: str) -> tuple[list[float], float]:
    """Per-cue render times and the whole prepare() time, into an empty cache (with the bar a
    workout shows)."""
    with tempfile.TemporaryDirectory() as tmp, progress_bar(f"Rendering, {name}") as bar:
        cache = CueCache(renderer, Path(tmp))
        per_cue: list[float] = []
        last = time.perf_counter()

        def tick(done: int, total: int, text: str) -> None:
            nonlocal last
            now = time.perf_counter()
            if done:
                per_cue.append(now - last)
            last = now
            bar(done, total, text)

        start = time.perf_counter()
        cache.prepare(texts, tick)
        return per_cue, time.perf_counter() - start


def renderers() -> list[tuple[str, Renderer, float]]:
    """Each engine with the seconds it took to load (Piper's model load is part of a cold start)."""
    loaded = []
    joe = find_voice("en_US-joe-medium", "en-us")
    makers = [("pyttsx3", Pyttsx3Renderer), ("espeak-ng program", EspeakNgRenderer)]
    if joe is not None:
        makers.insert(0, ("Piper en_US-joe-medium", lambda: PiperRenderer(joe)))
    for name, make in makers:
        start = time.perf_counter()
        renderer = make()
        loaded.append((name, renderer, time.perf_counter() - start))
    return loaded


def first_sample_latencies(server: PulseServer, trials: int) -> tuple[list[float], list[float]]:
    """Seconds from say() to the cue's first sample on spk.monitor: counts, and safety cutting
    a playing form cue."""
    class Tones:
        rate_hz = 22_050

        def audio(self, text: str) -> np.ndarray:
            freq, length_s = (float(x) for x in text.split())
            t = np.arange(int(length_s * self.rate_hz)) / self.rate_hz
            return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)

    starts: list[float] = []
    cuts: list[float] = []
    with server.applied():
        reinit_portaudio()
        player = SoundDevicePlayer(Tones())
        try:
            with server.record_speaker() as rec:
                said: list[tuple[str, float]] = []
                for i in range(trials):
                    time.sleep(0.2 + random.random() * 0.02)
                    if i % 2 == 0:
                        said.append(("start", time.monotonic()))
                        player.say(Cue("440 0.08", CueKind.COUNT))
                    else:
                        player.say(Cue("220 0.5", CueKind.FORM))
                        time.sleep(0.1 + random.random() * 0.01)
                        said.append(("cut", time.monotonic()))
                        player.say(Cue("880 0.08", CueKind.SAFETY))
                        time.sleep(0.1)
                time.sleep(0.3)
        finally:
            player.close()
    samples = rec.samples
    for kind, at_s in said:
        frame0 = max(0, int((at_s - rec.time_of(0) - 0.01) * rec.rate_hz))
        window = samples[frame0 : frame0 + rec.rate_hz // 5]
        if kind == "start":
            loud = np.flatnonzero(np.abs(window) > 0.02)
            if loud.size:
                starts.append(rec.time_of(frame0 + int(loud[0])) - at_s)
        else:
            # the 880 Hz safety tone: first zero-crossing interval shorter than a 220 Hz one
            crossings = np.flatnonzero(np.diff(np.signbit(window).astype(np.int8)) != 0)
            gaps = np.diff(crossings)
            fast = np.flatnonzero(gaps < (rec.rate_hz / 880) * 0.75)
            if fast.size:
                cuts.append(rec.time_of(frame0 + int(crossings[fast[0]])) - at_s)
    return starts, cuts


def ms(values: list[float], q: float) -> str:
    """A percentile in milliseconds."""
    return f"{np.percentile(np.array(values) * 1000, q):.1f}"


def main() -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=60)
    args = parser.parse_args()
    texts = routine_texts()
    rows = []
    for name, renderer, load_s in renderers():
        per_cue, total_s = cold_render(renderer, texts, name)
        target_s = RENDER_TARGET_S[name]
        verdict = "ok" if load_s + total_s < target_s else "MISSED"
        rows.append(f"| engine load, {name} | 1 | {load_s * 1000:.0f} ms | - | - |")
        rows.append(f"| cold render per cue, {name} | {len(per_cue)} cues | "
                    f"{statistics.median(per_cue) * 1000:.1f} ms | {ms(per_cue, 95)} ms | - |")
        rows.append(f"| cold render, whole leg-lifts routine (with load), {name} | {len(texts)} "
                    f"cues | {load_s + total_s:.2f} s | - | < {target_s:g} s: {verdict} |")
    try:
        server = PulseServer()
    except PulseUnavailable as exc:
        rows.append(f"| first sample | skipped: {exc} | | | |")
    else:
        try:
            starts, cuts = first_sample_latencies(server, args.trials)
        finally:
            server.stop()
        p95 = float(np.percentile(starts, 95)) * 1000
        verdict = "ok" if p95 < FIRST_SAMPLE_TARGET_MS else "MISSED"
        rows.append(f"| say() to first sample, idle player (virtual device) | {len(starts)} | "
                    f"{ms(starts, 50)} ms | {ms(starts, 95)} ms | "
                    f"p95 < {FIRST_SAMPLE_TARGET_MS:g} ms: {verdict} |")
        rows.append(f"| safety say() to its first sample, cutting a form cue | {len(cuts)} | "
                    f"{ms(cuts, 50)} ms | {ms(cuts, 95)} ms | < 100 ms |")
    print("| measure | n | median | p95 | target |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
