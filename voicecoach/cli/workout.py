"""`voicecoach run`: a workout in real time, or simulated on a fake clock with a command script."""

from __future__ import annotations

import argparse
import queue
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.cli import add_language_option, add_model_option, add_routine_argument
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.errors import AudioDeviceError, UsageError
from voicecoach.events import Cue, CueKind, Event
from voicecoach.files import Settings, Verbosity, load_settings
from voicecoach.history import HistoryRecorder
from voicecoach.ports import Ears, Post, Recorder, Voice
from voicecoach.routine import Routine, find_routine, load_routine

if TYPE_CHECKING:
    from voicecoach.ears import Heard
    from voicecoach.history import WorkoutSummary
    from voicecoach.session import Session, StartAt, Volume
    from voicecoach.views import TimelineView
    from voicecoach.voice import CueCache, Progress


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `run`."""
    p = subparsers.add_parser(
        "run", help="do a workout (or --simulate one in a blink)",
        description="Run ROUTINE in real time: say (or type) start, and the coach paces every "
        "rep. Without a microphone, type commands and press Enter; without a speaker, the "
        "cues are printed. With --simulate the same engine runs on a fake clock as fast as "
        "possible, taking commands from --commands FILE (lines like `12.5 pause`). "
        "--timeline FILE.jsonl logs every event, cue and recognition, line by line as it "
        "happens (or all at once with --simulate).",
    )
    add_routine_argument(p)
    p.add_argument("--simulate", action="store_true",
                   help="run on a fake clock as fast as possible and print what would be said")
    p.add_argument("--commands", type=Path, metavar="FILE",
                   help="with --simulate: a script of `SECONDS COMMAND` lines, e.g. `12.5 pause`")
    p.add_argument("--timeline", type=Path, metavar="FILE.jsonl",
                   help="write every event and cue as JSON lines (see README); in real time "
                   "each line is written as it happens")
    p.add_argument("--verbosity", choices=[v.value for v in Verbosity],
                   help="how often form cues are spoken (default: [coaching] verbosity)")
    p.add_argument("--keyboard", action="store_true",
                   help="take typed commands even if a microphone is present")
    p.add_argument("--history", type=Path, metavar="FILE",
                   help="history database (default: history.sqlite3 in your data folder; "
                   "a --simulate run is saved only when this is given)")
    p.add_argument("--resume", action="store_true",
                   help="go on with the last unfinished workout of this routine")
    p.add_argument("--quiet", action="store_true",
                   help="no live view: only the coach's cues and notices")
    p.add_argument("--json", action="store_true",
                   help="end with the workout's summary as JSON on stdout instead of the table "
                   "(with --simulate, stdout then holds only the JSON)")
    p.add_argument("--audio-out", type=Path, metavar="FILE.wav",
                   help="write everything the coach says to FILE.wav, at the right times, "
                   "instead of the speaker")
    add_model_option(p)
    add_language_option(p)
    p.add_argument("--offline", action="store_true",
                   help="never download a speech model; use the offline English recognizer "
                   "when no Vosk model is found")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Load settings and routine, then simulate or run for real."""
    settings = load_settings(args.config, args.language).settings
    routine_path = find_routine(args.routine, settings.voice.language)
    routine = load_routine(routine_path)
    verbosity = Verbosity(args.verbosity) if args.verbosity else settings.coaching.verbosity
    if not args.simulate and args.commands is not None:
        raise UsageError("--commands only works with --simulate; add --simulate, or speak "
                         "(or type) the commands")
    if args.simulate and args.resume and args.history is None:
        raise UsageError("--resume with --simulate needs the --history FILE to resume from")
    with ExitStack() as closing:
        recorder, start = _open_history(args, settings, routine, routine_path, closing)
        if args.simulate:
            return _simulate(args, settings, routine, verbosity, recorder, start)
        return _run_live(args, settings, routine, verbosity, recorder, start, closing)


def _warn(text: str) -> None:
    print(f"voicecoach: {text}", file=sys.stderr, flush=True)


def _open_history(args: argparse.Namespace, settings: Settings, routine: Routine,
                  routine_path: Path, closing: ExitStack
                  ) -> tuple[Recorder | None, StartAt | None]:
    """The history recorder (None for a simulation without --history) and where to resume."""
    if args.simulate and args.history is None:
        return None, None
    from voicecoach.history import HistoryRecorder
    from voicecoach.session import StartAt

    recorder, point = HistoryRecorder.open(args.history, routine, str(routine_path), _warn,
                                           resume=args.resume, words=settings.language.templates)
    closing.callback(recorder.close)
    if point is None:
        return recorder, None
    _warn(point.describe(routine))
    return recorder, StartAt(point.exercise_index, point.set_number, point.variation_id)


def _simulate(args: argparse.Namespace, settings: Settings, routine: Routine,
              verbosity: Verbosity, recorder: Recorder | None, start: StartAt | None) -> int:
    from voicecoach.sim import (
        SimulationParams,
        read_command_script,
        run_simulation,
    )
    from voicecoach.views import write_timeline

    commands = read_command_script(args.commands, settings.commands) if args.commands else []
    simulated = run_simulation(routine, SimulationParams.from_settings(settings, verbosity),
                               commands, recorder=recorder, start=start)
    records = simulated.records
    if args.timeline is not None:
        write_timeline(records, args.timeline)
    for record in records:
        if record.event == "cue" and not args.json:
            print(f"[{record.time_s:7.1f} s] {record.text}")
    show_summary(simulated.summary, recorder, args.json)
    end = next(r for r in reversed(records) if r.event == "finish")
    _warn(f"simulated {end.time_s / 60:.1f} minutes: {end.detail}, "
          f"{sum(r.event == 'cue' for r in records)} cues"
          + (f", timeline in {args.timeline}" if args.timeline else ""))
    return 0


def show_summary(summary: WorkoutSummary, recorder: Recorder | None, is_json: bool) -> None:
    """The ending: kept in history (with its suggestions), then a table or JSON on stdout."""
    from voicecoach.views import print_summary, summary_json

    if isinstance(recorder, HistoryRecorder):
        summary = recorder.keep_summary(summary)
    if is_json:
        print(summary_json(summary), flush=True)
    else:
        print_summary(summary)


def make_voice(settings: Settings, args: argparse.Namespace, post: Post,
               speaking: SpeakingSignal, cache: CueCache) -> Voice:
    """The coach's voice: --audio-out file, else the speaker, else printed cues (said once)."""
    from voicecoach.voice import open_voice

    voice, note = open_voice(settings, post, args.audio_out, speaking=speaking, cache=cache)
    _warn(note)
    return voice


def open_microphone(settings: Settings, args: argparse.Namespace, post: Post,
                    speaking: SpeakingSignal, cue_texts: list[str],
                    on_heard: Callable[[Heard], None] | None = None) -> tuple[Ears | None, str]:
    """Ears on the microphone, or None and the reason there are none (said once by the caller)."""
    if args.keyboard:
        return None, "--keyboard"
    from voicecoach.ears import open_ears

    try:
        ears, note = open_ears(settings, post, speaking, model=args.model, offline=args.offline,
                               cue_texts=cue_texts, on_heard=on_heard)
    except AudioDeviceError as exc:
        return None, str(exc)
    _warn(note)
    from voicecoach.ears import apply_voice_profile, calibration_hint

    profile_note = apply_voice_profile(ears, settings) or calibration_hint()
    if profile_note is not None:
        _warn(profile_note)
    return ears, ""


def make_ears(microphone: Ears | None, why_not: str, settings: Settings, is_panel: bool) -> Ears:
    """Microphone plus keys on the live panel; else typed lines when there is no microphone.

    Raw keys and typed lines both read stdin, so a terminal with the panel gets keys
    (`--quiet` gives typed lines instead).
    """
    from voicecoach.ears import KEYS_HINT, EarsGroup, Keyboard, TypedCommands

    if is_panel:
        if microphone is None:
            _warn(f"{why_not}: use the keys ({KEYS_HINT}), or --quiet to type any command")
            return Keyboard()
        return EarsGroup(microphone, Keyboard())
    if microphone is not None:
        return microphone
    typed = TypedCommands(settings.commands)
    _warn(f"{why_not}: type commands and press Enter (e.g. {typed.hint()})")
    return typed


def _prepare_cues(settings: Settings, routine: Routine) -> CueCache:
    """Render every cue before the workout, so nothing is synthesized while you exercise."""
    from voicecoach.cli.progress import progress_bar
    from voicecoach.voice import open_cache

    cache, note = open_cache(settings.voice)
    _warn(note)
    with progress_bar() as progress:
        prepare_workout(cache, routine, settings, progress)
    return cache


def prepare_workout(
    cache: CueCache, routine: Routine, settings: Settings, progress: Progress | None = None,
) -> int:
    """Render, before the workout starts, everything the coach is known to say in it.

    That is every cue text of the routine plus every line of the workout simulated with no
    commands (counts, set and rest announcements, the ending). Answers to commands not in
    that list are rendered when first said (~15-30 ms). Returns how many were rendered.
    """
    from voicecoach.sim import simulate

    spoken = [record.text for record in simulate(routine, settings, cue_timer=cache) if record.text]
    rendered = cache.prepare([*routine.all_cue_texts(), *spoken], progress)
    # The ending's totals ("in four minutes and forty-eight seconds") follow the cues' measured
    # lengths, known only once they are rendered.
    spoken = [record.text for record in simulate(routine, settings, cue_timer=cache) if record.text]
    return rendered + cache.prepare(spoken, progress)


def _open_timeline(path: Path | None, clock: Callable[[], float], cache: CueCache,
                   closing: ExitStack) -> TimelineView | None:
    """The live timeline file (--timeline), closed when the workout ends."""
    if path is None:
        return None
    from voicecoach.views import TimelineView

    timeline = TimelineView(path, clock, cache)
    closing.callback(timeline.close)
    return timeline


def _start_volume(settings: Settings, voice: Voice) -> Volume:
    """The volume to start at, the one kept from the last "louder"/"quieter" or else the
    setting, already applied to the voice."""
    from voicecoach.files.kept_volume import read_kept_volume
    from voicecoach.session import Volume

    volume = Volume(read_kept_volume(settings.voice.volume), settings.voice.volume_step_db)
    voice.set_volume(volume.level)
    return volume


def _keep_volume(session: Session, settings: Settings, start_level: float) -> None:
    """Keep the volume set by voice for the next workout (a failure costs only that memo)."""
    from voicecoach.files.kept_volume import keep_volume

    level = session.snapshot().volume
    if level == start_level:
        return
    try:
        path = keep_volume(level, settings.voice.volume)
    except OSError as exc:
        _warn(f"could not keep the volume for next time ({exc}); [voice] volume applies")
        return
    _warn(f"volume {level:.0%} kept for the next workout in {path}")


def _run_live(args: argparse.Namespace, settings: Settings, routine: Routine,
              verbosity: Verbosity, recorder: Recorder | None, start: StartAt | None,
              closing: ExitStack) -> int:
    from voicecoach.ears import Listener
    from voicecoach.ears.factory import heard_phrases
    from voicecoach.session import Runner, SchedulerPacer, Session, wording_for
    from voicecoach.views import (
        LiveView,
        TerminalView,
        ViewTee,
        VoiceTee,
        mic_level_of,
        open_view,
        voice_refusal,
    )
    from voicecoach.voice import PrintedVoice, say_ahead_s

    inbox: queue.Queue[Event] = queue.Queue()
    speaking = SpeakingSignal()
    cache = _prepare_cues(settings, routine)
    pacer = SchedulerPacer()
    timeline = _open_timeline(args.timeline, pacer.now_s, cache, closing)
    post = inbox.put if timeline is None else timeline.watch(inbox.put)
    voice = make_voice(settings, args, post, speaking, cache)
    pacer.say_ahead_s = say_ahead_s(voice)
    if args.audio_out is None and not isinstance(voice, PrintedVoice):  # music lowered under cues
        from voicecoach.voice.ducking import open_ducking

        closing.callback(open_ducking(settings.audio, speaking, _warn).close)
    volume = _start_volume(settings, voice)
    views: list[TerminalView] = []  # the view opens after the microphone; refusals wait for it

    def on_heard(heard: Heard) -> None:
        if timeline is not None:
            timeline.recognized(heard)
        refusal = voice_refusal(heard)
        if refusal is not None and views:
            views[0].notice(refusal)

    words = wording_for(settings.voice.language)
    microphone, why_not = open_microphone(settings, args, inbox.put, speaking,
                                          words.all_texts(routine), on_heard=on_heard)
    # the hint shows what to say: "coach start" in addressed mode
    view = open_view(pacer.now_s, routine, is_quiet=args.quiet, phrases=heard_phrases(settings),
                     has_cue_lines=not isinstance(voice, PrintedVoice))
    views.append(view)
    closing.callback(view.close)
    if timeline is not None:
        voice = VoiceTee(voice, timeline)
    is_panel = isinstance(view, LiveView) and sys.stdin.isatty()
    if isinstance(microphone, Listener):
        microphone.on_block = lambda pcm: view.mic_level(mic_level_of(pcm))
    ears = make_ears(microphone, why_not, settings, is_panel)
    if isinstance(recorder, HistoryRecorder) and start is None:
        for suggestion in recorder.suggestions():
            view.notice(f"From last time: {suggestion.text}")
            voice.say(Cue(suggestion.text, CueKind.INFO))
    session = Session(routine, settings.commands, verbosity, cache, start, volume,
                      name=settings.recognition.addressed_name, words=words)
    closing.callback(_keep_volume, session, settings, volume.level)
    runner = Runner(session, voice, pacer, ears=ears, recorder=recorder,
                    view=view if timeline is None else ViewTee(view, timeline), inbox=inbox)

    def last_words() -> list[Cue]:
        if not isinstance(recorder, HistoryRecorder) or runner.finish_reason != "finished":
            return []
        suggestions = recorder.suggestions()
        for suggestion in suggestions:
            view.notice(f"Next time: {suggestion.text}")
        return [Cue(s.text, CueKind.INFO) for s in suggestions]

    reason = runner.run(last_words)
    view.close()  # the table goes below the panel, not into it
    show_summary(session.summary(), recorder, args.json)
    _warn(f"workout {reason}")
    return 0
