"""`voicecoach calibrate`: a spoken session that learns the user's voice, so the coach hears
their commands better (ears/own_words.py) and, with the voice lock, obeys only them.

It measures the room's noise, asks for each command twice (any of its phrases), says and shows
what it heard, asks again after silence, noise or a wrong word, and stores the takes as the
user's voice profile (ears/voice_profile.py) only at the very end, so Ctrl-C keeps the old one.
"""

from __future__ import annotations

import argparse
import math
import queue
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicecoach.cli import add_model_option
from voicecoach.commands import Command, normalize
from voicecoach.errors import AudioDeviceError, UsageError
from voicecoach.events import Cue, CueKind, Event, SpeechFinished
from voicecoach.files import Backend, Settings, load_settings
from voicecoach.files.paths import user_config_file

if TYPE_CHECKING:
    from voicecoach.ears import Capture, Heard, VoiceProfile
    from voicecoach.ears.voice_profile import Take
    from voicecoach.ports import Voice
    from voicecoach.voice import CueCache

HeardQueue = queue.Queue[tuple[float, "Heard", np.ndarray]]
"""Every recognition with its start (monotonic s) and its audio, from the capture thread."""

TAKES = 2
"""Takes kept of each command: two give the check a spread to fit the threshold on."""
TRIES = 3
"""Tries for each take before the command is left out (and the user told how to add it later)."""
NOISE_S = 3.0
"""Seconds of the quiet room measured before the first prompt."""
TOO_LOUD_DBFS = -40.0
"""A room louder than this leaves commands (~-30 to -20 dBFS at arm's length) less than 15 dB
above the noise, where the recognizers' acceptance falls (README, the noise tables)."""
ANSWER_S = 6.0
"""How long an answer is waited for after a prompt: the words, their end and the decoding."""
AFTER_PROMPT_S = 0.3
"""Anything heard starting before the prompt ended plus this is the coach's own voice."""
SILENCE_DBFS = -100.0
"""The level reported for digital silence (a virtual microphone)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `calibrate`."""
    p = subparsers.add_parser(
        "calibrate", help="teach the coach your voice (about two minutes): it hears you better, "
        "and can obey only you",
        description="A spoken session: the coach measures your room's noise, then asks you to "
        "say each command twice and says what it heard. Your recordings become your voice "
        "profile in your data folder. From then on, words of yours the recognizer doubts are "
        "compared with your own recordings, and taken for a command when they clearly match "
        "one; with the voice lock on ([recognition] voice_lock = true, "
        "or --lock) the coach then obeys only your voice, except stop and the safety phrases, "
        "which anyone may say. Ctrl-C keeps the previous profile.",
    )
    p.add_argument("--show", action="store_true", help="print the stored profile and exit")
    p.add_argument("--commands", metavar="LIST",
                   help="calibrate only these commands, comma-separated (e.g. pause,skip); the "
                   "others keep their takes from the last calibration (default: all)")
    p.add_argument("--lock", action="store_true",
                   help="at the end, turn the voice lock on in your settings file")
    p.add_argument("--backend", choices=[b.value for b in Backend],
                   help="recognizer (default: recognition.backend from settings)")
    add_model_option(p)
    p.add_argument("--device", metavar="DEVICE",
                   help="input device name or index (default: audio.input_device)")
    p.set_defaults(func=cmd_calibrate)


def parse_commands(text: str | None) -> list[Command]:
    """The --commands list, in the settings' order; UsageError naming the bad name."""
    if not text:
        return list(Command)
    known = {c.value: c for c in Command}
    wanted = [name.strip() for name in text.split(",") if name.strip()]
    for name in wanted:
        if name not in known:
            raise UsageError(f"--commands: unknown command {name!r}; known: {', '.join(known)}")
    return [c for c in Command if c.value in wanted]


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Show the profile, or run a calibration session and store what it learned."""
    from voicecoach.ears import load_profile, profile_path

    settings = load_settings(args.config).settings
    if args.show:
        return show_profile(load_profile(), profile_path())
    commands = parse_commands(args.commands)
    old = load_profile()  # a damaged profile is reported before the session, not after it
    session = _open_session(args, settings)
    try:
        profile = session.run(commands, old)
    finally:
        session.close()
    from voicecoach.ears import save_profile

    path = save_profile(profile)
    print(f"voicecoach: voice profile saved in {path} ({len(profile.commands)} commands)",
          flush=True)
    _offer_lock(settings, args.lock)
    return 0


def show_profile(profile: VoiceProfile | None, path: Path) -> int:
    """`calibrate --show`: what the profile holds, command by command."""
    if profile is None:
        print(f"No voice profile yet ({path}); `voicecoach calibrate` makes one.")
        return 0
    print(f"voice profile {path}: calibrated {profile.created}, room noise "
          f"{profile.noise_floor_db:.0f} dBFS")
    print(f"  {'command':<14} {'takes':>5} {'threshold':>9}  heard")
    for command, voice in profile.commands.items():
        heard = ", ".join(repr(t.text) for t in voice.takes)
        print(f"  {command.value:<14} {len(voice.takes):>5} {voice.threshold:>9.2f}  {heard}")
    missing = [c.value for c in Command if c not in profile.commands]
    if missing:
        print(f"  not calibrated: {', '.join(missing)}")
    return 0


def _open_session(args: argparse.Namespace, settings: Settings) -> CalibrationSession:
    """The microphone first (no microphone is one clear line), then the recognizer and voice."""
    from voicecoach.audio import resolve_device
    from voicecoach.ears import Capture, Listener, choose_recognizer, gate_for
    from voicecoach.ears.capture import check_input
    from voicecoach.echo.canceller import EchoCanceller
    from voicecoach.echo.coach_speech import SpeakingSignal
    from voicecoach.voice import PrintedVoice, open_cache, open_voice

    try:
        device = resolve_device(args.device or settings.audio.input_device, "input")
        check_input(device)
    except AudioDeviceError as exc:
        raise AudioDeviceError(f"calibration needs a microphone: {exc}") from None
    recognizer, note = choose_recognizer(settings, Backend(args.backend) if args.backend else None,
                                         args.model)
    _warn(note)
    events: queue.Queue[Event] = queue.Queue()
    cache, cache_note = open_cache(settings.voice)
    _warn(cache_note)
    speaking = SpeakingSignal()
    voice, voice_note = open_voice(settings, events.put, cache=cache, speaking=speaking)
    _warn(voice_note)
    heard: HeardQueue = queue.Queue()

    def on_heard(verdict: Heard) -> None:  # capture thread: take the audio while it is kept
        heard.put((verdict.start_s, verdict, listener.audio_of(verdict.recognition)))

    # The prompts are taken out of the microphone as in a workout, so an answer given right
    # after one is not heard as one utterance with its end. The gate is not told what the
    # coach says: every prompt holds a command, and the answer repeats it.
    canceller = EchoCanceller(speaking.audio) if settings.recognition.echo_cancel else None
    listener = Listener(recognizer, gate_for(settings, None, canceller), on_heard=on_heard,
                        echo_canceller=canceller)
    listener.listen_for_commands(frozenset(Command))
    session = CalibrationSession(settings, voice, cache, events, heard,
                                 is_printed=isinstance(voice, PrintedVoice))
    listener.on_block = session.on_block

    def start_microphone() -> Capture:
        capture = Capture(device, listener.feed, session.microphone_lost, lambda: None)
        capture.start()
        return capture

    session.start_microphone = start_microphone
    return session


def _warn(text: str) -> None:
    print(f"voicecoach: {text}", file=sys.stderr, flush=True)


def level_dbfs(pcm: bytes) -> float:
    """RMS level of 16-bit PCM in dB below full scale (SILENCE_DBFS for digital silence)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    rms = math.sqrt(float(np.mean(samples**2))) if samples.size else 0.0
    return max(SILENCE_DBFS, 20 * math.log10(rms)) if rms > 0 else SILENCE_DBFS


@dataclass(frozen=True)
class Outcome:
    """What one try at a take came to: a kept take, or what to tell the user."""

    take: Take | None
    """The take when the right command was heard."""
    said: str
    """What the coach says about it ("Heard pause." / "I heard nothing.")."""


class CalibrationSession:
    """The dialogue: prompts spoken and printed, answers heard, takes kept; nothing stored."""

    def __init__(self, settings: Settings, voice: Voice, cache: CueCache,
                 events: queue.Queue[Event], heard: HeardQueue, is_printed: bool) -> None:
        self._settings = settings
        self._voice = voice
        self._cache = cache
        self._events = events
        self._heard = heard
        self._is_printed = is_printed
        self._blocks: list[bytes] | None = None
        self.start_microphone: Callable[[], Capture] | None = None
        """Opens the microphone; called after the first words (with Whisper decoding alongside,
        the speaker's stream started seconds late on a busy machine)."""
        self.capture: Capture | None = None

    def on_block(self, pcm: bytes) -> None:
        """Every microphone block (capture thread): kept while the noise is measured."""
        blocks = self._blocks
        if blocks is not None:
            blocks.append(pcm)

    def microphone_lost(self, reason: str) -> None:
        """Said once; the session waits for the device to come back."""
        _warn(f"microphone lost ({reason}); waiting for it to come back")

    # ---- speaking --------------------------------------------------------------------------

    def say(self, text: str) -> float:
        """Say (and print) `text`; returns the monotonic time it finished sounding."""
        if not self._is_printed:
            print(f"coach: {text}", flush=True)
        while not self._events.empty():  # a late word of an earlier prompt must not count
            self._events.get_nowait()
        self._voice.say(Cue(text, CueKind.INFO))
        duration_s = self._cache.duration_s(text)
        deadline = time.monotonic() + duration_s + 5.0
        while time.monotonic() < deadline:
            try:
                event = self._events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if isinstance(event, SpeechFinished) and event.text == text:
                break
        return time.monotonic()

    # ---- the session -----------------------------------------------------------------------

    def run(self, commands: Sequence[Command], old: VoiceProfile | None) -> VoiceProfile:
        """The whole dialogue; returns the new profile (the old one's other commands kept)."""
        from voicecoach.ears import VoiceProfile

        self._cache.prepare(self._fixed_texts(commands))
        floor_db = self.measure_noise()
        self.say("Now say each command twice when I ask. Any of its phrases will do.")
        takes: dict[Command, list[Take]] = {}
        skipped = []
        for command in commands:
            kept = self.calibrate_command(command)
            if kept:
                takes[command] = kept
            else:
                skipped.append(command.value)
        if not takes:
            raise UsageError("calibration heard none of the commands, nothing was stored; check "
                             "the microphone (`voicecoach devices`) and run `voicecoach "
                             "calibrate` again")
        if skipped:
            print(f"voicecoach: not calibrated: {', '.join(skipped)}; add them later with "
                  f"`voicecoach calibrate --commands {','.join(skipped)}`", flush=True)
        created = datetime.now().isoformat(timespec="minutes")
        fresh = VoiceProfile.from_takes(created, floor_db, takes)
        kept_before = dict(old.commands) if old is not None else {}
        self.say("Done. I know your voice now.")
        return VoiceProfile(created, floor_db, {**kept_before, **fresh.commands})

    def _fixed_texts(self, commands: Sequence[Command]) -> list[str]:
        """Every prompt known in advance, rendered before the session starts."""
        return [self._prompt(c) for c in commands] + [
            self._prompt(c, again=True) for c in commands]

    def measure_noise(self) -> float:
        """The room's noise floor (median block level while the user keeps quiet), said aloud."""
        self.say("Let's learn your voice.")
        if self.start_microphone is not None:
            self.capture = self.start_microphone()
        self.say("Please keep quiet for three seconds.")
        self._blocks = []
        time.sleep(NOISE_S)
        blocks, self._blocks = self._blocks, None
        levels = sorted(level_dbfs(b) for b in blocks)
        floor_db = levels[len(levels) // 2] if levels else SILENCE_DBFS
        if floor_db > TOO_LOUD_DBFS:
            self.say(f"Your room is loud: noise at {floor_db:.0f} decibels full scale. Commands "
                     "may be missed. Turn down music or fans if you can.")
            print(f"voicecoach: room noise {floor_db:.0f} dBFS is above {TOO_LOUD_DBFS:.0f} dBFS: "
                  "too loud for reliable commands", flush=True)
        else:
            print(f"voicecoach: room noise {floor_db:.0f} dBFS: quiet enough", flush=True)
        return floor_db

    def _phrases(self, command: Command) -> tuple[str, ...]:
        return self._settings.commands[command]

    def _prompt(self, command: Command, again: bool = False) -> str:
        phrases = self._phrases(command)
        others = f", or {' or '.join(phrases[1:3])}" if len(phrases) > 1 else ""
        return f"{'Again' if again else 'Say'}: {phrases[0]}{others}."

    def calibrate_command(self, command: Command) -> list[Take]:
        """TAKES takes of `command`, each tried up to TRIES times; [] if it never came."""
        kept: list[Take] = []
        for take in range(TAKES):
            prompt = self._prompt(command, again=take > 0)
            for _ in range(TRIES):
                outcome = self.listen_once(command, prompt, take)
                self.say(outcome.said)
                if outcome.take is not None:
                    kept.append(outcome.take)
                    break
                prompt = f"Please say {self._phrases(command)[0]}."
            else:
                self.say(f"Let's leave {self._phrases(command)[0]} for later.")
                return []
        return kept

    def listen_once(self, command: Command, prompt: str, take: int) -> Outcome:
        """Prompt, then wait for one answer and judge it."""
        from voicecoach.ears.speaker_check import MIN_FRAMES, features
        from voicecoach.ears.voice_profile import Take

        ended_s = self.say(prompt) + AFTER_PROMPT_S
        print(f"listening: {command.value} (take {take + 1} of {TAKES})", flush=True)
        deadline = time.monotonic() + ANSWER_S
        while True:
            try:
                start_s, verdict, samples = self._heard.get(
                    timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return self._told("I heard nothing.", "silence")
            if start_s >= ended_s:
                break
        r = verdict.recognition
        words = normalize(r.text)
        if r.command is None:
            said = f"I heard {words}, which is not a command." if words else \
                "I heard a sound, but no words."
            return self._told(said, f"not a command: {r.text!r}")
        if r.command is not command:
            return self._told(f"I heard {words}. That means {_spoken(r.command)}, not "
                              f"{_spoken(command)}.", f"wrong command: {r.text!r} is "
                              f"{r.command.value}")
        if verdict.rejected_because is not None:
            return self._told(f"I was not sure I heard {words}.", verdict.rejected_because)
        cepstra = features(samples)
        if len(cepstra) < MIN_FRAMES:
            return self._told("That was too short to learn from.", "too little sound")
        print(f"heard: {r.text!r} ({r.confidence:.2f})", flush=True)
        return Outcome(Take(r.text, cepstra), f"Heard {words}.")

    def _told(self, said: str, why: str) -> Outcome:
        print(f"not taken: {why}", flush=True)
        return Outcome(None, said)

    def close(self) -> None:
        """Release the microphone and the speaker."""
        if self.capture is not None:
            self.capture.close()
        self._voice.close()


def _spoken(command: Command) -> str:
    return command.value.replace("_", " ").replace("whats", "what's")


def _offer_lock(settings: Settings, turn_on: bool) -> None:
    """Turn the voice lock on (--lock), or say how to."""
    if settings.recognition.voice_lock:
        print("voicecoach: the voice lock is on: only your voice is obeyed, except stop and "
              "safety phrases", flush=True)
        return
    path = user_config_file()
    if not turn_on:
        print(f"voicecoach: to obey only your voice, run `voicecoach calibrate --lock` once more "
              f"or add `voice_lock = true` under [recognition] in {path}", flush=True)
        return
    turn_lock_on(path)
    print(f"voicecoach: voice lock on in {path}: other voices' commands are refused, except stop "
          "and safety phrases", flush=True)


def turn_lock_on(path: Path) -> None:
    """Set `voice_lock = true` under [recognition] in a settings file, keeping everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    setting = re.compile(r"(?m)^(\s*voice_lock\s*=\s*)\S+")
    section = re.search(r"(?m)^\[recognition\][^\n]*\n", text)
    if section is not None:
        body_end = re.search(r"(?m)^\[", text[section.end():])
        end = section.end() + (body_end.start() if body_end else len(text) - section.end())
        body = text[section.end():end]
        if setting.search(body):
            body = setting.sub(r"\g<1>true", body, count=1)
        else:
            body = "voice_lock = true\n" + body
        text = text[:section.end()] + body + text[end:]
    else:
        text += ("" if not text or text.endswith("\n") else "\n") + "\n[recognition]\n" \
            "voice_lock = true\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")

