"""Commands about the user's files: list, show, check, schema, config."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from voicecoach.cli import add_routine_argument
from voicecoach.errors import Problem, RoutineError
from voicecoach.files import load_settings, paths
from voicecoach.routine import Routine, find_routine, load_routine, routine_files
from voicecoach.sim import planned_duration_s


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add list, show, check, schema and config."""
    p = subparsers.add_parser("list", help="list the routines you can run, with their length",
                              description="List routines in the shipped routines/ folder and in "
                              f"your routine folder ({paths.user_routines_dir()}).")
    p.set_defaults(func=cmd_list)

    p = subparsers.add_parser("show", help="show a routine's plan: exercises, ladder, tempo, time",
                              description="Show the plan of a routine: every exercise with its "
                              "difficulty ladder (easiest first), tempo, reps and total time.")
    add_routine_argument(p)
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser("check", help="validate routine files (exit code 2 on problems)",
                              description="Validate routine files and print one line per "
                              "problem: file:line: field: what is wrong; how to fix.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_check)

    p = subparsers.add_parser("schema", help="print the routine JSON Schema (for editors)",
                              description="Print the JSON Schema of routine files. Point your "
                              "editor's YAML plugin at it for completion and checking.")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    p.set_defaults(func=cmd_schema)

    p = subparsers.add_parser("config", help="print effective settings and where each came from",
                              description="Print every effective setting and the file it came "
                              "from: shipped defaults, your user file, or --config.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_config)


def format_duration(seconds: float) -> str:
    """`12:30` style, which is how workout apps show length."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def cmd_list(args: argparse.Namespace) -> int:
    """List routines with name, exercises and planned time; broken files are flagged, not fatal."""
    table = Table(title="Routines", title_justify="left")
    for column in ("name", "title", "exercises", "time", "file"):
        table.add_column(column)
    for path in routine_files():
        try:
            routine = load_routine(path)
        except RoutineError as exc:
            table.add_row(path.stem, f"[red]invalid: {exc.lines()[0]}[/red]", "", "", str(path))
            continue
        table.add_row(path.stem, routine.name, str(len(routine.exercises)),
                      format_duration(planned_duration_s(routine)), str(path))
    Console().print(table)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print the plan of one routine."""
    routine = load_routine(find_routine(args.routine))
    console = Console()
    console.print(f"[bold]{routine.name}[/bold]  ({format_duration(planned_duration_s(routine))}"
                  f" planned, count-in {routine.count_in_s:g} s)")
    if routine.description:
        console.print(routine.description.strip())
    for number, exercise in enumerate(routine.exercises, start=1):
        console.print(f"\n[bold]{number}. {exercise.name}[/bold]: {exercise.sets} sets, "
                      f"{exercise.rest_between_sets_s:g} s between sets")
        if exercise.safety:
            console.print(f"   [yellow]Safety:[/yellow] {exercise.safety}")
        console.print(_ladder_table(routine, number - 1))
    return 0


def _ladder_table(routine: Routine, index: int) -> Table:
    exercise = routine.exercises[index]
    table = Table(box=None, pad_edge=False, show_header=True)
    for column in ("", "step", "variation", "tempo", "first", "work", "sides"):
        table.add_column(column)
    for step, v in enumerate(exercise.variations, start=1):
        marker = "▶" if step - 1 == exercise.start_index else ""
        work = f"{v.reps} reps" if v.reps is not None else f"hold {v.hold_s:g} s"
        tempo = str(v.tempo) if v.tempo else "-"
        first = v.start_phase.value if v.tempo else "-"
        table.add_row(marker, str(step), v.name, tempo, first, work, v.sides.value)
    return table


def cmd_check(args: argparse.Namespace) -> int:
    """Validate every file given; print all problems of all files, then exit 2 if any."""
    problems: list[Problem] = []
    for path in args.files:
        try:
            routine = load_routine(path)
        except RoutineError as exc:
            problems.extend(exc.problems)
            continue
        print(f"{path}: ok ({routine.name}, {len(routine.exercises)} exercises, "
              f"{format_duration(planned_duration_s(routine))})")
    if problems:
        raise RoutineError(problems)
    return 0


def routine_schema() -> dict[str, object]:
    """The JSON Schema of routine files, with a title editors show."""
    schema = Routine.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "voicecoach routine"
    return schema


def cmd_schema(args: argparse.Namespace) -> int:
    """Print or write the routine JSON Schema."""
    text = json.dumps(routine_schema(), indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """Show effective settings with provenance."""
    loaded = load_settings(args.config, args.language)
    settings = loaded.settings
    data = settings.model_dump(mode="json", by_alias=True)
    data["commands"] = {c.value: list(p) for c, p in settings.commands.items()}
    language = f"language {settings.language.code}"  # phrases no settings file gives
    labels = {str(paths.DEFAULT_CONFIG_FILE): "default", str(paths.user_config_file()): "user file",
              "--language": "--language"}
    if args.config:
        labels[str(args.config)] = f"--config {args.config}"
    rows = [
        (f"{section}.{key}", value,
         labels.get(loaded.sources.get(f"{section}.{key}", ""),
                    language if section == "commands" else "?"))
        for section, body in data.items()
        for key, value in body.items()
    ]
    if args.json:
        print(json.dumps({k: {"value": v, "from": f} for k, v, f in rows}, indent=2, ensure_ascii=False))
        return 0
    console = Console()
    console.print("Settings files, lowest priority first: " +
                  ", ".join(str(p) for p in loaded.files) +
                  f"\n(your user file: {paths.user_config_file()})")
    table = Table()
    for column in ("setting", "value", "from"):
        table.add_column(column, overflow="fold")
    for key, value, source in rows:
        table.add_row(key, json.dumps(value, ensure_ascii=False), source)
    console.print(table)
    return 0
