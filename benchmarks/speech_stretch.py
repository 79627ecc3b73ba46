"""Speech-stretch benchmark: does the coach's voice keep time when the process and machine are busy?

    python benchmarks/speech_stretch.py [--cues 12] [--busy-processes 1] [--busy-thread]
                                        [--switch-interval S]

Plays tone cues of 1.5 s one after another through the real SoundDevicePlayer on a private
PulseAudio daemon (the tests' virtual devices; needs `pulseaudio`), optionally beside busy
processes and a busy Python thread in this process, and prints how long each cue took from
say() to SpeechFinished. A cue that took ~2 s longer hit an output underrun: after each one,
PulseAudio's ALSA plugin stops calling back for about 2 s (voice/output_stream.py). End-to-end
tests saw "Get in position." take 25-29 s this way before the speaker shortened the GIL switch
interval (output_stream.GIL_SWITCH_S); `--switch-interval` sets it afterwards, to compare.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

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


def busy_thread() -> None:
    """Pure Python work that wants the GIL all the time (a decoder loop, a canceller)."""
    while True:
        sum(range(10_000))


def play_cues(count: int, switch_interval_s: float | None) -> list[float]:
    """Seconds from say() to SpeechFinished for each of `count` cues."""
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
        player.close()
    return took


def main(argv: Sequence[str] | None = None) -> int:
    """Start the daemon and the load, play, print one line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cues", type=int, default=12)
    parser.add_argument("--busy-processes", type=int, default=1)
    parser.add_argument("--busy-thread", action="store_true")
    parser.add_argument("--switch-interval", type=float, default=None, metavar="S",
                        help="GIL switch interval after the speaker starts (default: the speaker's)")
    args = parser.parse_args(argv)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(args.busy_processes)]
    if args.busy_thread:
        threading.Thread(target=busy_thread, daemon=True).start()
    server = PulseServer()
    try:
        with server.applied():
            reinit_portaudio()
            took = play_cues(args.cues, args.switch_interval)
    finally:
        server.stop()
        for hog in hogs:
            hog.kill()
    late = sum(t > 2.0 for t in took)
    print(f"switch interval {sys.getswitchinterval() * 1000:g} ms, {args.busy_processes} busy "
          f"processes{', a busy thread' if args.busy_thread else ''}: {late} of {len(took)} cues "
          f"of 1.5 s took over 2 s; each took {took}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
