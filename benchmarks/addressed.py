"""The addressed mode's columns: "coach, <phrase>" against the open mode's bare phrases, side by side.

On the benchmark's own corpus (the same speakers, conditions and non-command audio), each backend
is measured twice: open, on the bare phrases (what the other tables show), and addressed
(recognition.listening_mode = "addressed"), on the same clips said as "coach, <phrase>" (stop
and the safety phrases stay bare, as anyone may say them). False accepts on non-command speech
are split into those of commands that need the name and those of stop/safety, which the
addressed mode leaves as they were by design. A quick run measures Whisper only, on the clean,
babble and reverberant clips.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from benchmarks.room_echo import CueTrack
from voicecoach.commands import ALWAYS_HEARD, Command, normalize
from voicecoach.ears import GatePolicy, Recognizer
from voicecoach.ears.factory import (
    ADDRESSED_END_SILENCE_S,
    addressing_fillers,
    heard_phrases,
    unaddressed_phrases,
)
from voicecoach.files import ListeningMode, Settings
from voicecoach.sim import corpus
from voicecoach.sim.corpus import Clip

NAME = "coach"

QUICK_CONDITIONS = ("clean", "babble@10dB")
"""The clips a quick run keeps, with each command's first phrase only (the full run keeps them
all): the quiet room, and the condition where other people talk (the addressed mode's reason to
be). A quick run measures the open mode on these clips only; its false accepts on the same
non-command audio are the main table's."""


def addressed_settings(settings: Settings) -> Settings:
    """The same settings in addressed mode, named NAME."""
    recognition = settings.recognition.model_copy(
        update={"listening_mode": ListeningMode.ADDRESSED, "name": NAME})
    return settings.model_copy(update={"recognition": recognition})


def said_addressed(phrases: Mapping[Command, Sequence[str]]) -> dict[Command, tuple[str, ...]]:
    """What a user says in addressed mode: "coach, <phrase>", stop and safety bare."""
    return {c: tuple(p if c in ALWAYS_HEARD else f"{NAME}, {p}" for p in items)
            for c, items in phrases.items()}


def recognizers(settings: Settings, quick: bool) -> dict[str, Callable[[], Recognizer]]:
    """Each backend as a workout in addressed mode builds it (ears/factory.py), but with no
    confidence floor inside, so one run reports every floor."""
    from voicecoach.ears.recognizers.pocketsphinx import PocketsphinxRecognizer
    from voicecoach.ears.recognizers.vosk import ENGLISH_FILLERS
    from voicecoach.ears.recognizers.whisper_model import is_whisper_installed

    phrases = heard_phrases(settings)
    found: dict[str, Callable[[], Recognizer]] = {}
    if is_whisper_installed():
        from voicecoach.ears.recognizers.whisper import WhisperRecognizer

        found["whisper"] = lambda: WhisperRecognizer(
            phrases, name=NAME, end_silence_s=ADDRESSED_END_SILENCE_S)
    if not quick:
        found["pocketsphinx"] = lambda: PocketsphinxRecognizer(
            phrases, fillers=(*ENGLISH_FILLERS, *addressing_fillers(settings)), name=NAME,
            end_silence_s=ADDRESSED_END_SILENCE_S, min_confidence=0.0)
    return found


def open_recognizers(quick: bool) -> dict[str, Callable[[Mapping[Command, Sequence[str]]],
                                                        Recognizer]]:
    """The open mode's recognizers as the main benchmark builds them."""
    from benchmarks.voice_control import backends

    wanted = ("whisper",) if quick else ("whisper", "pocketsphinx")
    return {name: make for name, make in backends({}).items() if name in wanted}


def _addressed_clips(data_commands: Sequence[Clip], phrases: Mapping[Command, Sequence[str]],
                     quick: bool) -> tuple[list[Clip], list[Clip]]:
    """(bare clips, the same speakers and conditions saying them addressed)."""
    voices = list(dict.fromkeys(c.speaker for c in data_commands))
    conds = list(dict.fromkeys(c.condition for c in data_commands))
    if quick:
        conds = [c for c in conds if c.label in QUICK_CONDITIONS]
        phrases = {c: tuple(items[:1]) for c, items in phrases.items()}
    kept = {normalize(p) for items in phrases.values() for p in items}
    bare = [c for c in data_commands if c.condition in conds and normalize(c.text) in kept]
    addressed = list(corpus.command_clips(said_addressed(phrases), voices, conds))
    return bare, addressed


def _split_false_accepts(record: Mapping[str, Any]) -> dict[str, tuple[int, bool]]:
    """Per non-command stretch: (false accepts of commands that need the name, whether that is
    only a lower bound: the record keeps the words of the first 20 false accepts). In addressed
    mode such a command was heard only as the name and a phrase, so its words begin with it."""
    out = {}
    for stretch, fa in record["false_accepts"].items():
        named = [h for h in fa["heard"] if normalize(h.split(" <- ")[0]).startswith(NAME)]
        out[stretch] = (len(named), fa["count"] > len(fa["heard"]))
    return out


def run(settings: Settings, data: Any, min_confidence: float, quick: bool,
        preroll_s: float) -> list[dict[str, Any]]:
    """Measure the open and the addressed mode of each backend; returns one record per pair."""
    from benchmarks.voice_control import measure, summary

    phrases = settings.commands
    addressed = addressed_settings(settings)
    bare, named = _addressed_clips(data.commands, phrases, quick)
    policy = GatePolicy(min_confidence=min_confidence, is_barge_in=True, name=NAME,
                        unaddressed=frozenset(unaddressed_phrases(phrases)))
    records = []
    opened = open_recognizers(quick)
    for backend, make in recognizers(addressed, quick).items():
        began = time.time()
        pair = {}
        commands_only = replace(data, stretches={}, cue_track=CueTrack(data.cue_track.played[:0], []))
        # The table shows speech only: a quick run leaves the noise stretches out.
        speech = replace(data, stretches={k: v for k, v in data.stretches.items()
                                          if not k.endswith(" noise")})
        for mode, recognizer, corpus_, room_policy in (
                ("open", opened[backend](phrases), commands_only if quick else data, None),
                ("addressed", make(), speech if quick else data, policy)):
            clips = bare if mode == "open" else named
            score = measure(recognizer, replace(corpus_, commands=clips), min_confidence,
                            preroll_s=preroll_s, policy=room_policy)
            pair[mode] = summary(f"{backend} {mode}", score, {})
        pair["addressed"]["named_false_accepts"] = _split_false_accepts(pair["addressed"])
        records.append({"backend": backend, **pair})
        print(f"{backend} open + addressed: measured in {time.time() - began:.0f} s",
              file=sys.stderr)
    return records


def _acceptance(record: Mapping[str, Any], commands: Callable[[str], bool]) -> str:
    values = [v for c, v in record["per_command"].items() if commands(c)]
    return f"{100 * sum(values) / len(values):.1f} %" if values else "-"


def markdown(records: Sequence[Mapping[str, Any]]) -> str:
    """The addressed mode's table: acceptance and false accepts per hour, open vs addressed."""
    from benchmarks.voice_control import REAL_STRETCH, ROOM_STRETCH, SYNTHETIC_SPEECH

    cols = [(r, mode) for r in records for mode in ("open", "addressed")]
    head = ("| | " + " | ".join(f"{r['backend']} {mode}" for r, mode in cols) + " |\n|---|"
            + "---|" * len(cols))
    is_named = {c.value for c in Command if c not in ALWAYS_HEARD}

    def per_hour(record: Mapping[str, Any], stretches: Sequence[str], named: bool) -> str:
        found = [s for s in stretches if s in record["false_accepts"]
                 and record["false_accepts"][s]["audio_s"]]
        if not found:
            return "unavailable"
        seconds = sum(record["false_accepts"][s]["audio_s"] for s in found)
        more = ""
        if named:
            count = sum(record["named_false_accepts"][s][0] for s in found)
            more = "+" if any(record["named_false_accepts"][s][1] for s in found) else ""
        else:
            count = sum(record["false_accepts"][s]["count"] for s in found)
        return f"{count / seconds * 3600:.1f}{more} ({count}{more} in {seconds / 60:.0f} min)"

    rows: list[tuple[str, Callable[[Mapping[str, Any], str], str]]] = [
        ("acceptance, all commands (all conditions)",
         lambda r, m: f"{100 * r[m]['all_conditions']['acceptance']:.1f} %"),
        ("acceptance, commands that need the name",
         lambda r, m: _acceptance(r[m], lambda c: c in is_named)),
        ("acceptance, stop and safety", lambda r, m: _acceptance(r[m], lambda c: c not in is_named)),
        ("wrong command", lambda r, m: f"{100 * r[m]['all_conditions']['wrong_command']:.1f} %"),
    ]
    for label, stretches in (("synthetic speech (cues + other speakers)", SYNTHETIC_SPEECH),
                             ("real people", (REAL_STRETCH,)),
                             ("the coach's cues heard back through a room", (ROOM_STRETCH,))):
        rows.append((f"false accepts / h, {label}",
                     lambda r, m, s=stretches: per_hour(r[m], s, False)))
        rows.append(("... of them commands that need the name",
                     lambda r, m, s=stretches: per_hour(r[m], s, True) if m == "addressed"
                     else "-"))
    rows.append(("end of speech -> result, median",
                 lambda r, m: f"{1000 * r[m]['latency_s']['median']:.0f} ms"))
    lines = [head]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r, m) for r, m in cols) + " |")
    heard = [f"- {r['backend']} addressed, {s}: " + "; ".join(f'"{h}"' for h in fa["heard"])
             for r in records for s, fa in r["addressed"]["false_accepts"].items() if fa["heard"]]
    return "\n".join(lines + (["", *heard] if heard else []))
