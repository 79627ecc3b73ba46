"""`voicecoach run`: a workout in real time, or simulated on a fake clock with a command script."""

from __future__ import annotations

import argparse
import queue
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, cast

from voicecoach.audio import Direction, default_device
from voicecoach.errors import AudioDeviceError, UsageError
from voicecoach.events import Event
from voicecoach.ports import CueTimer, Ears, Post, Recorder, Voice
from voicecoach.routine import Routine, find_routine, load_routine
from voicecoach.settings import Settings, Verbosity, load_settings

if TYPE_CHECKING:
    from voicecoach.session import StartAt


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `run`."""
    p = subparsers.add_parser(
        "run", help="do a workout (or --simulate one in a blink)",
        description="Run ROUTINE in real time: say (or type) start, and the coach paces every "
        "rep. Without a microphone, type commands and press Enter; without a speaker, the "
        "cues are printed. With --simulate the same engine runs on a fake clock as fast as "
        "possible, taking commands from --commands FILE (lines like `12.5 pause`).",
    )
    p.add_argument("routine", help="routine name (as in `voicecoach list`) or file path")
    p.add_argument("--simulate", action="store_true",
                   help="run on a fake clock as fast as possible and print what would be said")
    p.add_argument("--commands", type=Path, metavar="FILE",
                   help="with --simulate: a script of `SECONDS COMMAND` lines, e.g. `12.5 pause`")
    p.add_argument("--timeline", type=Path, metavar="FILE.jsonl",
                   help="with --simulate: write every event and cue as JSON lines (see README)")
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
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Load settings and routine, then simulate or run for real."""
    settings = load_settings(args.config).settings
    routine_path = find_routine(args.routine)
    routine = load_routine(routine_path)
    verbosity = Verbosity(args.verbosity) if args.verbosity else settings.coaching.verbosity
    if not args.simulate and (args.commands is not None or args.timeline is not None):
        raise UsageError("--commands and --timeline only work with --simulate; add --simulate")
    if args.simulate and args.resume and args.history is None:
        raise UsageError("--resume with --simulate needs the --history FILE to resume from")
    with ExitStack() as closing:
        recorder, start = _open_history(args, routine, routine_path, closing)
        if args.simulate:
            return _simulate(args, settings, routine, verbosity, recorder, start)
        return _run_live(args, settings, routine, verbosity, recorder, start, closing)


def _warn(text: str) -> None:
    print(f"voicecoach: {text}", file=sys.stderr, flush=True)


def _open_history(args: argparse.Namespace, routine: Routine, routine_path: Path,
                  closing: ExitStack) -> tuple[Recorder | None, StartAt | None]:
    """The history recorder (None for a simulation without --history) and where to resume."""
    if args.simulate and args.history is None:
        return None, None
    from voicecoach.history import HistoryRecorder
    from voicecoach.session import StartAt

    recorder, point = HistoryRecorder.open(args.history, routine, str(routine_path), _warn,
                                           resume=args.resume)
    closing.callback(recorder.close)
    if point is None:
        return recorder, None
    _warn(point.describe(routine))
    return recorder, StartAt(point.exercise_index, point.set_number, point.variation_id)


def _simulate(args: argparse.Namespace, settings: Settings, routine: Routine,
              verbosity: Verbosity, recorder: Recorder | None, start: StartAt | None) -> int:
    from voicecoach.simulation import (
        SimulationParams,
        read_command_script,
        simulate,
        write_timeline,
    )

    commands = read_command_script(args.commands, settings.commands) if args.commands else []
    records = simulate(routine, SimulationParams.from_settings(settings, verbosity), commands,
                       recorder=recorder, start=start)
    if args.timeline is not None:
        write_timeline(records, args.timeline)
    for record in records:
        if record.event == "cue":
            print(f"[{record.time_s:7.1f} s] {record.text}")
    end = next(r for r in reversed(records) if r.event == "finish")
    _warn(f"simulated {end.time_s / 60:.1f} minutes: {end.detail}, "
          f"{sum(r.event == 'cue' for r in records)} cues"
          + (f", timeline in {args.timeline}" if args.timeline else ""))
    return 0


def _device_problem(direction: Direction) -> str | None:
    """Why there is no default device in `direction`, or None when there is one."""
    try:
        return None if default_device(direction) is not None else f"no {direction} device"
    except AudioDeviceError as exc:
        return str(exc)


def make_voice(settings: Settings, args: argparse.Namespace, post: Post) -> Voice:
    """The coach's voice. Hook: prints cues for now (the speaker player plugs in here)."""
    from voicecoach.printed_voice import PrintedVoice

    problem = _device_problem("output") or "speaker output is not wired in yet"
    _warn(f"{problem}: the coach's cues are printed")
    return PrintedVoice(post=post)


def make_ears(settings: Settings, args: argparse.Namespace, post: Post) -> Ears:
    """How commands are heard. Hook: typed commands for now (the microphone plugs in here)."""
    from voicecoach.keyboard import TypedCommands

    ears = TypedCommands(settings.commands)
    why = "--keyboard" if args.keyboard else (
        _device_problem("input") or "microphone input is not wired in yet")
    _warn(f"{why}: type commands and press Enter (e.g. {ears.hint()})")
    return ears


def _run_live(args: argparse.Namespace, settings: Settings, routine: Routine,
              verbosity: Verbosity, recorder: Recorder | None, start: StartAt | None,
              closing: ExitStack) -> int:
    from voicecoach.cues import EstimatedCueTimer
    from voicecoach.live import open_view
    from voicecoach.pacer import SchedulerPacer
    from voicecoach.printed_voice import PrintedVoice
    from voicecoach.runner import Runner
    from voicecoach.session import Session

    inbox: queue.Queue[Event] = queue.Queue()
    voice = make_voice(settings, args, inbox.put)
    ears = make_ears(settings, args, inbox.put)
    # A voice that measures its rendered cues is the best CueTimer; else estimate from the rate.
    timer = (cast(CueTimer, voice) if hasattr(voice, "duration_s")
             else EstimatedCueTimer(settings.voice.rate_wpm))
    session = Session(routine, settings.commands, verbosity, timer, start)
    pacer = SchedulerPacer()
    view = open_view(pacer.now_s, routine, is_quiet=args.quiet, phrases=settings.commands,
                     has_cue_lines=not isinstance(voice, PrintedVoice))
    closing.callback(view.close)
    runner = Runner(session, voice, pacer, ears=ears, recorder=recorder, view=view, inbox=inbox)
    reason = runner.run()
    _warn(f"workout {reason}")
    return 0
