"""Commands about hearing: listen, devices, and model download/list/path."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from voicecoach.audio import (
    SAMPLE_RATE_HZ,
    default_device,
    list_devices,
    read_wav_16k,
    resolve_device,
    to_pcm16,
)
from voicecoach.cli import add_language_option, add_model_option
from voicecoach.commands import STATE_GRAMMAR, Command
from voicecoach.ears import (
    BLOCK_FRAMES,
    DEFAULT_MODEL,
    Capture,
    Heard,
    Listener,
    apply_voice_profile,
    choose_recognizer,
    download_with_bar,
    find_model,
    gate_for,
    installed_models,
    lookup_order,
)
from voicecoach.ears.gate import REFUSALS
from voicecoach.errors import ModelError, VoicecoachError
from voicecoach.files import Backend, Settings, load_settings
from voicecoach.states import State


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add listen, devices and model."""
    p = subparsers.add_parser(
        "listen", help="print each command heard, as a JSON line",
        description="Recognize commands from the microphone (or a WAV file of any sample rate) "
        "and print one JSON line per command: "
        '{"t": s, "command": ..., "text": ..., "confidence": ..., "backend": ...}. '
        "Every command is listened for unless --state limits it to one state's grammar. "
        "recognition.listening_mode applies as in a workout: in addressed mode a command said "
        "without the coach's name is refused, and a line on stderr says so.",
    )
    p.add_argument("--file", type=Path, metavar="X.wav", help="recognize this file instead")
    p.add_argument("--state", choices=[s.value for s in State],
                   help="listen only for the commands of this workout state")
    p.add_argument("--backend", choices=[b.value for b in Backend],
                   help="recognizer (default: recognition.backend from settings)")
    add_model_option(p)
    add_language_option(p)
    p.add_argument("--device", metavar="DEVICE",
                   help="input device name or index (default: audio.input_device)")
    p.add_argument("--seconds", type=float, metavar="S",
                   help="stop listening to the microphone after S seconds (default: Ctrl-C)")
    p.set_defaults(func=cmd_listen)

    p = subparsers.add_parser(
        "devices", help="list audio devices (* = the ones your settings choose)",
        description="List the input (microphone) and output (speaker) devices PortAudio sees. "
        "Put a name, part of a name, or an index into [audio] input_device / output_device.",
    )
    p.set_defaults(func=cmd_devices)

    p = subparsers.add_parser(
        "model", help="download, list or locate Vosk speech models",
        description="Vosk models are looked for in: --model, recognition.model_path, "
        "VOSK_MODEL_PATH, the project's models/ folder, then the user data dir (where "
        "`model download` puts them).",
    )
    actions = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    q = actions.add_parser("download", help=f"fetch a model (default {DEFAULT_MODEL})")
    q.add_argument("name", nargs="?", default=DEFAULT_MODEL, help="model name on the Vosk site")
    q.add_argument("--url", metavar="BASE",
                   help="download from this base URL instead (also VOICECOACH_MODEL_URL)")
    q.set_defaults(func=cmd_model_download)
    q = actions.add_parser("list", help="list installed models (* = the one used)")
    q.set_defaults(func=cmd_model_list)
    q = actions.add_parser("path", help="print the model directory a workout would use")
    q.add_argument("--model", metavar="PATH", help="check this directory instead")
    q.set_defaults(func=cmd_model_path)


def _commands(state: str | None) -> frozenset[Command]:
    return STATE_GRAMMAR[State(state)] if state else frozenset(Command)


def _printer(origin_s: float, show_rejected: bool):
    """Prints admitted commands as JSON lines, commands refused by the listening mode (or voice
    lock) with why, and with --debug everything else that was ignored and why."""

    def emit(heard: Heard) -> None:
        if heard.rejected_because is not None:
            if show_rejected or heard.rejected_because.startswith(REFUSALS):
                print(f"voicecoach: ignored {heard.recognition.text!r} "
                      f"({heard.rejected_because})", file=sys.stderr, flush=True)
            return
        r = heard.recognition
        line = {"t": round(heard.end_s - origin_s, 2), "command": r.command and r.command.value,
                "text": r.text, "confidence": round(r.confidence, 3), "backend": r.backend}
        if heard.own_words_distance is not None:  # the recognizer doubted; your takes decided
            line |= {"heard": heard.also_heard, "own_words_distance":
                     round(heard.own_words_distance, 2)}
        print(json.dumps(line, ensure_ascii=False), flush=True)

    return emit


def cmd_listen(args: argparse.Namespace) -> int:
    """Recognize commands from a file or the microphone and print them as JSON lines."""
    settings = load_settings(args.config, args.language).settings
    # the file or the microphone first: a mistake there is reported before a model loads
    pcm = to_pcm16(read_wav_16k(args.file)) if args.file is not None else None
    device = None
    if pcm is None:
        device = resolve_device(args.device or settings.audio.input_device, "input")
    backend = Backend(args.backend) if args.backend else None
    recognizer, note = choose_recognizer(settings, backend, args.model)
    print(f"voicecoach: {note}", file=sys.stderr)
    print(f"voicecoach: {_mode_note(settings)}", file=sys.stderr)
    # t counts from the file's start, or from when listening to the microphone began
    origin_s = 0.0 if pcm is not None else time.monotonic()
    # The gate carries the listening mode's refusals (and is where a voice lock joins them):
    # the same gate_for as a workout's, so a room is tested as the workout will hear it.
    listener = Listener(recognizer, gate_for(settings, None), on_heard=_printer(origin_s, args.debug))
    listener.listen_for_commands(_commands(args.state))
    profile_note = apply_voice_profile(listener, settings)
    if profile_note is not None:
        print(f"voicecoach: {profile_note}", file=sys.stderr)
    if pcm is not None:
        _listen_to_pcm(listener, pcm)
    else:
        _listen_to_microphone(listener, device, args.seconds)
    return 0


def _mode_note(settings: Settings) -> str:
    """What counts as a command under the settings' listening mode, in one line."""
    rec = settings.recognition
    if rec.addressed_name is None:
        return f"listening mode {rec.listening_mode.value}: every command phrase counts"
    pause = settings.commands[Command.PAUSE][0]
    return (f'listening mode addressed: begin each command with "{rec.addressed_name}" '
            f'("{rec.addressed_name}, {pause}"); stop and the safety phrases need no name')


def _listen_to_pcm(listener: Listener, pcm: bytes) -> None:
    """Feed a file's audio in capture-sized blocks on its own clock (t = seconds into the file)."""
    step = BLOCK_FRAMES * 2
    for offset in range(0, len(pcm), step):
        block = pcm[offset : offset + step]
        listener.feed(block, (offset + len(block)) / 2 / SAMPLE_RATE_HZ)
    listener.finish()


def _listen_to_microphone(listener: Listener, device: int, seconds: float | None) -> None:
    def lost(reason: str) -> None:
        print(f"voicecoach: microphone lost ({reason}); waiting for it to come back",
              file=sys.stderr, flush=True)

    def back() -> None:
        print("voicecoach: microphone back", file=sys.stderr, flush=True)

    capture = Capture(device, listener.feed, lost, back)
    capture.start()
    print("voicecoach: listening (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        threading.Event().wait(seconds)
    except KeyboardInterrupt:
        pass
    finally:
        capture.close()
    listener.finish()


def cmd_devices(args: argparse.Namespace) -> int:
    """List devices and mark the input and output the settings choose."""
    settings = load_settings(args.config, args.language).settings
    devices = list_devices()
    if not devices:
        print("No audio devices found (no sound card?). Workouts then use typed commands and "
              "printed cues.")
        return 0
    chosen: dict[str, int | None] = {}
    problems = []
    for direction, spec in (("input", settings.audio.input_device),
                            ("output", settings.audio.output_device)):
        try:
            chosen[direction] = resolve_device(spec, direction)
        except VoicecoachError as exc:
            chosen[direction] = None
            problems.append(f"audio.{direction}_device: {exc}")
    width = max(len(d.name) for d in devices)
    print(f"{'':2}{'#':>3}  {'name':<{width}}  {'in':>3} {'out':>3}  default")
    for d in devices:
        marks = [w for w in ("input", "output") if chosen.get(w) == d.index]
        defaults = [w for w in ("input", "output") if d.has(w) and default_device(w) == d.index]
        star = "*" if marks else " "
        print(f"{star:2}{d.index:>3}  {d.name:<{width}}  {d.max_input_channels:>3} "
              f"{d.max_output_channels:>3}  {','.join(defaults) or '-':<12}"
              + (f"  <- {' and '.join(marks)}" if marks else ""))
    for line in problems:
        print(f"voicecoach: {line}", file=sys.stderr)
    return 1 if problems else 0


def cmd_model_download(args: argparse.Namespace) -> int:
    """Fetch and unpack a model into the user data dir."""
    path = download_with_bar(args.name, base_url=args.url)
    print(path)
    return 0


def cmd_model_list(args: argparse.Namespace) -> int:
    """Every model along the lookup order; * marks the one a workout would use."""
    settings = load_settings(args.config, args.language).settings
    models = installed_models(settings.recognition.model_path)
    if not models:
        print(f"No Vosk models found; `voicecoach model download` fetches {DEFAULT_MODEL}.")
        return 0
    used = find_model(None, settings.recognition.model_path)
    for m in models:
        star = "*" if used and used.path == m.path else " "
        print(f"{star} {m.path.name}  {m.path}  ({m.source})")
    return 0


def cmd_model_path(args: argparse.Namespace) -> int:
    """Print the model directory a workout would use, or where it was looked for."""
    settings = load_settings(args.config, args.language).settings
    found = find_model(args.model, settings.recognition.model_path)
    if found is None:
        searched = "; ".join(f"{source}: {path}"
                             for source, path in lookup_order(settings.recognition.model_path))
        raise ModelError(f"no Vosk model found (looked in {searched}); "
                         "run `voicecoach model download`")
    print(found.path)
    return 0
