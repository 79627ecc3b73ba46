"""`voicecoach demo`: the unattended showcase, wired from the same parts as `voicecoach run`."""

from __future__ import annotations

import argparse
import queue
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from rich.table import Table

from voicecoach.audio import default_device
from voicecoach.cli import add_language_option, add_model_option
from voicecoach.commands import Command
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.errors import AudioDeviceError
from voicecoach.events import CommandHeard, Event
from voicecoach.files import Backend, ListeningMode, Settings, load_settings
from voicecoach.routine import find_routine, load_routine

DEFAULT_WAV = Path("voicecoach-demo.wav")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `demo`."""
    p = subparsers.add_parser(
        "demo", help="watch an unattended voice-controlled leg-lift session (no mic needed)",
        description="A short leg-lift set at real speed. A synthesized user speaks commands "
        "(start, pause, resume, easier, how many left, stop) into the real speech recognizer "
        "while the real coach paces, speaks and reacts. The coach's voice goes to the speaker, "
        f"or to a WAV file ({DEFAULT_WAV}) when there is none. Needs no microphone, speaker "
        "or internet. Ends with what was said and heard, and the workout's summary.",
    )
    p.add_argument("--audio-out", type=Path, metavar="FILE.wav",
                   help=f"write the coach's voice here even if there is a speaker "
                   f"(default without a speaker: {DEFAULT_WAV})")
    p.add_argument("--quiet", action="store_true", help="no live view")
    add_model_option(p)
    add_language_option(p)
    p.add_argument("--backend", choices=[b.value for b in Backend],
                   help="recognizer (default: recognition.backend from settings; \"auto\" is "
                   "Vosk when a model is found, else Whisper, else pocketsphinx)")
    p.add_argument("--history", type=Path, metavar="FILE",
                   help="save the demo session here (default: a temporary file)")
    p.add_argument("--addressed", action="store_true",
                   help='listen as recognition.listening_mode = "addressed" does: the demo user '
                   'begins each command with the coach\'s name ("coach, pause"), except stop, '
                   "which anyone may say bare (default: the listening mode from settings)")
    p.set_defaults(func=cmd_demo)


def _say(text: str) -> None:
    print(f"voicecoach: {text}", file=sys.stderr, flush=True)


def _audio_out(args: argparse.Namespace, settings: Settings) -> Path | None:
    """Where the coach's voice goes: None = the speaker, else a WAV file (and say why once)."""
    if args.audio_out is not None:
        return args.audio_out
    if settings.audio.output_device not in ("", None):
        return None
    try:
        if default_device("output") is not None:
            return None
        reason = "no output audio device found on this machine"
    except AudioDeviceError as exc:
        reason = str(exc)
    _say(f"{reason}: the coach's voice goes to {DEFAULT_WAV}")
    return DEFAULT_WAV


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the demo session and print its summary; exit 1 if a spoken command was missed."""
    from voicecoach.cli.workout import _prepare_cues, show_summary
    from voicecoach.ears import Listener, choose_recognizer, gate_for
    from voicecoach.ears.factory import heard_phrases
    from voicecoach.history import HistoryRecorder
    from voicecoach.session import Runner, SchedulerPacer, Session, wording_for
    from voicecoach.sim import Director, VirtualMicrophone, demo_routine
    from voicecoach.sim.demo import demo_voice, script_in
    from voicecoach.views import open_view
    from voicecoach.voice import PrintedVoice, open_voice, say_ahead_s

    settings = load_settings(args.config, args.language).settings
    if args.addressed:
        settings = settings.model_copy(update={"recognition": settings.recognition.model_copy(
            update={"listening_mode": ListeningMode.ADDRESSED})})
    routine_path = find_routine("leg-lifts", settings.voice.language)
    routine = demo_routine(load_routine(routine_path))
    words = wording_for(settings.voice.language)
    with ExitStack() as closing:
        history = args.history or Path(closing.enter_context(tempfile.TemporaryDirectory())) / "demo.sqlite3"
        recorder, _ = HistoryRecorder.open(history, routine, str(routine_path), _say,
                                           words=words.language.templates)
        closing.callback(recorder.close)
        inbox: queue.Queue[Event] = queue.Queue()
        speaking = SpeakingSignal()
        cache = _prepare_cues(settings, routine)
        audio_out = _audio_out(args, settings)
        voice, note = open_voice(settings, inbox.put, audio_out, speaking=speaking, cache=cache)
        _say(note)
        recognizer, note = choose_recognizer(settings, Backend(args.backend) if args.backend else None,
                                             model=args.model,
                                             may_download=False, cue_texts=words.all_texts(routine))
        _say(note)
        pacer = SchedulerPacer(say_ahead_s=say_ahead_s(voice))
        view = open_view(pacer.now_s, routine, is_quiet=args.quiet, phrases=heard_phrases(settings),
                         has_cue_lines=not isinstance(voice, PrintedVoice))
        closing.callback(view.close)
        mic: list[VirtualMicrophone] = []

        def open_virtual_mic(listener: Listener) -> VirtualMicrophone:
            voice_name, speed_wpm = demo_voice(settings.language.code,
                                               settings.language.about.espeak_voice)
            mic.append(VirtualMicrophone(listener.feed, voice_name, speed_wpm))
            mic[0].start()
            return mic[0]

        director = Director(lambda text: mic[0].speak(text), pacer.now_s, speaking, view,
                            settings.recognition.gate_tail_s,
                            give_up=lambda: inbox.put(CommandHeard(Command.STOP, "demo gave up")),
                            script=script_in(settings.commands, settings.recognition.name
                                             if settings.recognition.addressed_name else None))
        ears = Listener(recognizer, gate_for(settings, speaking), open_virtual_mic,
                        on_heard=director.judged)
        session = Session(routine, settings.commands, settings.coaching.verbosity, cache,
                          name=settings.recognition.addressed_name, words=words)
        runner = Runner(session, voice, pacer, ears=ears, recorder=recorder, view=director,
                        inbox=inbox)
        director.start()
        closing.callback(director.close)
        reason = runner.run()
        director.close()
        _print_demo_log(director, reason, audio_out, history)
        show_summary(session.summary(), recorder, is_json=False)
        recorder.close()
        return 0 if director.log.is_all_heard else 1


def _print_demo_log(director: object, reason: str, audio_out: Path | None, history: Path) -> None:
    """What the demo user said and what the coach heard, then how the session went."""
    from voicecoach.sim import Director

    assert isinstance(director, Director)
    console = Console(stderr=False)
    table = Table(title="What the demo user said, and what the coach heard and did",
                  title_justify="left")
    for column in ("user said", "times", "coach heard", "confidence", "after (s)"):
        table.add_column(column)
    for step, tries, hit in director.log.step_results():
        if hit is None or hit.heard is None:
            table.add_row(f'"{step.phrase}"', str(tries), "[red]not understood[/red]", "", "")
            for verdict in director.log.ignored_during(step):
                table.add_row("", "", f'"{verdict.recognition.text}": {verdict.rejected_because}',
                              f"{verdict.recognition.confidence:.2f}", "")
            continue
        assert hit.heard_at_s is not None
        table.add_row(f'"{step.phrase}"', str(tries), hit.heard.command.value,
                      f"{hit.heard.confidence:.2f}", f"{hit.heard_at_s - hit.said_at_s:.2f}")
    console.print(table)
    path = ", ".join(f"{state.value}" for _, state, _ in director.log.states)
    console.print(f"Session went: {path}. Workout {reason}; saved in {history}.")
    if audio_out is not None:
        console.print(f"The coach's voice is in {audio_out}.")
    heard = len(director.log.heard)
    expected = len(director.log.step_results())
    console.print(f"{heard} commands heard for {expected} spoken"
                  + ("" if director.log.is_all_heard else " [red](some were missed)[/red]"))
