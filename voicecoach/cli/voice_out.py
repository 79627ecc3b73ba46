"""Commands about the coach's voice: say, voices, render."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.cli import add_routine_argument
from voicecoach.cli.progress import progress_bar
from voicecoach.events import Cue, CueKind, Earcon
from voicecoach.files import load_settings
from voicecoach.voice import open_cache

if TYPE_CHECKING:
    from voicecoach.views import TimelineRecord
    from voicecoach.voice import TimedSound

SAY_TIMEOUT_S = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add say, voices and render."""
    p = subparsers.add_parser(
        "say", help="speak one phrase with your voice settings",
        description="Speak TEXT with the [voice] settings on the [audio] output device. With no "
        "output device the text is printed instead, with one line saying why.",
    )
    p.add_argument("text", help="what to say")
    p.add_argument("-o", "--audio-out", type=Path, metavar="FILE.wav",
                   help="write the speech to a WAV file instead of the speaker")
    p.set_defaults(func=cmd_say)

    p = subparsers.add_parser(
        "voices", help="list installed voices (* = the one your settings use)",
        description="List the voices the speech engine can use. Put an id or name into "
        "[voice] voice = \"...\" in your settings; empty uses the voice of [voice] language.",
    )
    p.add_argument("filter", nargs="?", default="",
                   help="show only voices whose id, name or language contains this")
    p.set_defaults(func=cmd_voices)

    p = subparsers.add_parser(
        "render", help="write a whole routine, as the coach would speak it, to a WAV file",
        description="Render everything the coach would say during ROUTINE, if you gave no "
        "commands, into one WAV file at the right times (silence between cues).",
    )
    add_routine_argument(p)
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.wav",
                   help="the WAV file to write")
    p.set_defaults(func=cmd_render)


def cmd_say(args: argparse.Namespace) -> int:
    """Speak one phrase and wait until it has been heard."""
    from voicecoach.echo.coach_speech import SpeakingSignal
    from voicecoach.voice import SoundDevicePlayer, open_voice
    from voicecoach.voice.ducking import Ducking, NoDucking, open_ducking

    settings = load_settings(args.config).settings
    cache, _ = open_cache(settings.voice)
    speaking = SpeakingSignal()
    voice, note = open_voice(settings, lambda event: None, args.audio_out, cache=cache,
                             speaking=speaking)
    ducking: Ducking = NoDucking()
    if isinstance(voice, SoundDevicePlayer):  # other programs' audio is lowered under the phrase
        ducking = open_ducking(settings.audio, speaking,
                               lambda text: print(f"voicecoach: {text}", file=sys.stderr))
    try:
        voice.say(Cue(args.text, CueKind.INFO))
        if isinstance(voice, SoundDevicePlayer):
            voice.wait_idle(SAY_TIMEOUT_S)
        else:
            print(f"voicecoach: {note}", file=sys.stderr)
    finally:
        voice.close()
        ducking.close()
    return 0


def cmd_voices(args: argparse.Namespace) -> int:
    """One line per voice: marker, id, name, languages."""
    settings = load_settings(args.config).settings
    cache, note = open_cache(settings.voice)
    wanted = args.filter.lower()
    for voice in cache.renderer.voices():
        line = f"{voice.id:<28} {voice.name:<34} {' '.join(voice.languages)}"
        if wanted in line.lower():
            marker = "*" if voice.id == cache.renderer.voice else " "
            print(f"{marker} {line}".rstrip())
    print(f"({note})", file=sys.stderr)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """Simulate the routine with no commands and mix every cue at its time into one WAV."""
    from voicecoach.cli.workout import prepare_workout
    from voicecoach.routine import find_routine, load_routine
    from voicecoach.sim import simulate
    from voicecoach.voice import mix_timeline

    settings = load_settings(args.config).settings
    routine = load_routine(find_routine(args.routine))
    cache, note = open_cache(settings.voice)
    print(f"voicecoach: {note}", file=sys.stderr)
    with progress_bar() as progress:
        prepare_workout(cache, routine, settings, progress)
    records = simulate(routine, settings, cue_timer=cache)  # laid out with measured lengths
    sounds = timed_sounds(records)
    total_s = simulated_end_s(records)
    length_s = mix_timeline(sounds, cache, total_s, args.output, settings.voice.volume)
    print(f"wrote {args.output}: {length_s:.1f} s of audio with {len(sounds)} cues and earcons "
          f"(planned {total_s:.1f} s)")
    return 0


def simulated_end_s(records: list[TimelineRecord]) -> float:
    """When the simulated workout is over: its last record, or the end of its last cue."""
    return max(record.time_s + (record.duration_s or 0.0) for record in records)


def timed_sounds(records: list[TimelineRecord]) -> list[TimedSound]:
    """The cues and earcons of a simulated timeline, at their times (dropped cues left out)."""
    sounds: list[TimedSound] = []
    for record in records:
        if record.event == "cue" and record.text and record.kind is not None:
            sounds.append((record.time_s, Cue(record.text, record.kind)))
        elif record.event == "earcon" and record.detail:
            sounds.append((record.time_s, Earcon(record.detail)))
    return sounds
