"""The `voicecoach` command line and its single error boundary."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path

from voicecoach import __version__
from voicecoach.errors import VoicecoachError

__all__ = ["add_language_option", "add_model_option", "add_routine_argument", "build_parser",
           "main"]

COMMAND_GROUPS = (
    "voicecoach.cli.files",
    "voicecoach.cli.workout",
    "voicecoach.cli.voice_out",
    "voicecoach.cli.voice_in",
    "voicecoach.cli.calibrate",
    "voicecoach.cli.history",
    "voicecoach.cli.demo",
    "voicecoach.cli.bench",
)
"""Modules that each add their subcommands with `register(subparsers)`."""

DESCRIPTION = """\
An offline, voice-guided, hands-free workout coach. Lie down, say "start", and the coach
paces every rep phase out loud ("lift... lower slowly...") and answers spoken commands
("pause", "easier", "how many left"). Nothing needs the internet during a workout.

Start with `voicecoach demo` (no microphone or speakers needed), `voicecoach list`, then
`voicecoach run leg-lifts`.
"""


def add_routine_argument(parser: argparse.ArgumentParser) -> None:
    """ROUTINE, worded alike by every command that finds one with `find_routine`."""
    parser.add_argument("routine", help="routine name (as in `voicecoach list`) or file path")


def add_model_option(parser: argparse.ArgumentParser) -> None:
    """--model: every command that listens looks a Vosk model up the same way."""
    parser.add_argument("--model", metavar="PATH",
                        help="Vosk model directory (default: settings, VOSK_MODEL_PATH, models/, "
                        "then your data folder)")


LANGUAGE_HELP = "language the coach speaks and hears, e.g. en, ko (default: voice.language)"


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """--language after the command too (`voicecoach run --language ko ...`); SUPPRESS keeps
    the subcommand from resetting a --language given before it."""
    parser.add_argument("--language", metavar="TAG", default=argparse.SUPPRESS,
                        help=LANGUAGE_HELP)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command group that is installed."""
    parser = argparse.ArgumentParser(
        prog="voicecoach",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"voicecoach {__version__}")
    parser.add_argument(
        "--config", type=Path, metavar="FILE",
        help="settings file layered over the defaults and your user file",
    )
    parser.add_argument(
        "--language", metavar="TAG", help=LANGUAGE_HELP,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks for errors"
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module_name in COMMAND_GROUPS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; user mistakes become one-line messages and a non-zero exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except VoicecoachError as exc:
        if args.debug:
            traceback.print_exc()
        for line in exc.lines():
            print(f"voicecoach: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("voicecoach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
