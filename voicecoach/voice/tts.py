"""Text to WAV: pyttsx3 on one dedicated thread, or the espeak-ng program when pyttsx3 cannot render.

Rendering only ever writes files; playing them is the player's job (pyttsx3's own `say` cannot be
interrupted or timed, see NOTES.md).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from voicecoach.audio import wav_duration_s
from voicecoach.errors import SpeechError

RENDER_TIMEOUT_S = 10.0
"""pyttsx3 has hung for >10 s when misused; never let a workout wait longer than this on one cue."""

PROBE_TEXT = "ready"
"""Rendered once when a renderer is opened: pyttsx3 can fail silently, so it must be seen to work."""


@dataclass(frozen=True)
class VoiceInfo:
    """One installed voice, as `voicecoach voices` lists it."""

    id: str
    name: str
    languages: tuple[str, ...]


class Renderer(Protocol):
    """Writes one utterance to a mono 16-bit WAV file."""

    name: str
    version: str
    """Engine name and version: part of the cache key, so an upgrade re-renders."""
    voice: str
    rate_wpm: int

    def render(self, text: str, path: Path) -> None:
        """Write `text` spoken with this renderer's voice and rate to `path`."""

    def voices(self) -> list[VoiceInfo]:
        """Every voice this engine can use."""

    def close(self) -> None:
        """Release the engine."""


def choose_voice(voices: list[VoiceInfo], wanted: str, language: str) -> str:
    """The voice id for a settings value: id, name or language; empty = the language's voice.

    Raises SpeechError naming the setting when `wanted` matches no installed voice.
    """
    def key(text: str) -> str:
        return text.strip().lower().replace("_", " ")

    if not wanted:
        lang = key(language)
        for voice in voices:
            if key(voice.id.rsplit("/", 1)[-1]) == lang or lang in map(key, voice.languages):
                return voice.id
        return ""  # the engine's default voice
    for field in ("id", "name"):
        for voice in voices:
            if key(getattr(voice, field)) == key(wanted):
                return voice.id
    for voice in voices:
        if key(voice.id.rsplit("/", 1)[-1]) == key(wanted):
            return voice.id
    raise SpeechError(
        f"voice.voice: no installed voice {wanted!r}; run `voicecoach voices` and use an id "
        "or name from the list (or leave it empty for the language's default)"
    )


def is_valid_wav(path: Path) -> bool:
    """True when `path` is a readable WAV with at least one sample (pyttsx3 fails silently)."""
    duration_s = wav_duration_s(path)
    return duration_s is not None and duration_s > 0


class _WithoutSavedNotice:
    """sys.stdout minus the "Audio saved to PATH" line pyttsx3's espeak driver prints per file.

    The driver prints from espeak's own callback thread, so the one known line is filtered by
    its exact text rather than by thread; everything else passes through.
    """

    def __init__(self, real: Any, path: str) -> None:
        self._real = real
        self._notice = f"Audio saved to {path}"
        self._in_notice = False

    def write(self, text: str) -> int:
        if text == self._notice or (self._in_notice and text == "\n"):
            self._in_notice = text == self._notice
            return len(text)
        return self._real.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@contextlib.contextmanager
def _without_saved_notice(path: str) -> Iterator[None]:
    real = sys.stdout
    sys.stdout = _WithoutSavedNotice(real, path)
    try:
        yield
    finally:
        sys.stdout = real


@functools.cache
def _engine_thread() -> ThreadPoolExecutor:
    """The one thread that ever touches pyttsx3 in this process.

    pyttsx3.init() hands every caller the same engine per driver, and the espeak library under it
    is process-global, so per-renderer threads would share it unsafely (NOTES.md: hangs).
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyttsx3")


def _espeak_library() -> Any:
    """pyttsx3's binding of libespeak-ng (its Linux driver), for calls the driver lacks."""
    from pyttsx3.drivers import _espeak

    return _espeak


_engines: dict[str | None, Any] = {}
"""pyttsx3 engines by driver name; only read or written on the engine thread."""
atexit.register(_engines.clear)  # pyttsx3's __del__ fails if it runs during interpreter teardown


class Pyttsx3Renderer:
    """pyttsx3 2.99 rendering to files, one utterance per runAndWait, on the one engine thread.

    Voice and rate are set before every utterance, so renderers with different settings can
    share the process's single engine.
    """

    name = "pyttsx3"

    def __init__(
        self, voice: str = "", rate_wpm: int = 165, language: str = "en-us",
        driver_name: str | None = None,
    ) -> None:
        self._driver_name = driver_name
        self.rate_wpm = rate_wpm
        self.version = self._call(self._init_engine)
        self.voice = choose_voice(self.voices(), voice, language)

    @staticmethod
    def _call(fn: Any, *args: Any) -> Any:
        try:
            return _engine_thread().submit(fn, *args).result(timeout=RENDER_TIMEOUT_S)
        except FutureTimeout as exc:
            raise SpeechError(f"pyttsx3 did not finish within {RENDER_TIMEOUT_S:g} s") from exc

    def _engine(self) -> Any:
        import pyttsx3

        if self._driver_name not in _engines:
            _engines[self._driver_name] = pyttsx3.init(driverName=self._driver_name)
        return _engines[self._driver_name]

    def _init_engine(self) -> str:
        self._engine()
        espeak_version = _espeak_library().Info(None).decode()
        return f"pyttsx3-{importlib.metadata.version('pyttsx3')}/libespeak-ng-{espeak_version}"

    def _render(self, text: str, path: str) -> None:
        engine = self._engine()
        if self.voice:
            engine.setProperty("voice", self.voice)
        # volume stays at the driver's 1.0 (the player applies it); setting it here made pyttsx3
        # 2.99 ignore the rate set just before
        engine.setProperty("rate", self.rate_wpm)
        # espeak queues a rate change behind its asynchronous command FIFO, and runAndWait's
        # stop() cancels that FIFO while it is non-empty: without this wait, rate changes were
        # lost at random and an utterance was sometimes cut to 0 samples
        _espeak_library().Synchronize()
        with _without_saved_notice(path):
            engine.save_to_file(text, path)
            engine.runAndWait()

    def render(self, text: str, path: Path) -> None:
        """Write one utterance; raises SpeechError when pyttsx3 wrote nothing usable, twice.

        The retry is for a rare empty file seen on a cold cache (about 1 start in 10).
        """
        for attempt in range(2):
            try:
                self._call(self._render, text, str(path))
            except SpeechError:
                raise
            except Exception as exc:  # pyttsx3 raises bare RuntimeError/OSError from its drivers
                raise SpeechError(f"pyttsx3 could not render {text!r}: {exc}") from exc
            if is_valid_wav(path):
                return
            if attempt == 0:
                path.unlink(missing_ok=True)
        raise SpeechError(f"pyttsx3 wrote no audio for {text!r}")

    def voices(self) -> list[VoiceInfo]:
        """The voices pyttsx3's driver lists."""
        raw = self._call(lambda: self._engine().getProperty("voices"))
        return [
            VoiceInfo(str(v.id), str(v.name), tuple(str(lang) for lang in (v.languages or ())))
            for v in raw
        ]

    def close(self) -> None:
        """Nothing to release: the engine and its thread live as long as the process."""


class EspeakNgRenderer:
    """The espeak-ng program, one process per utterance: slower to start, but no shared state."""

    name = "espeak-ng"

    def __init__(self, voice: str = "", rate_wpm: int = 165, language: str = "en-us") -> None:
        self._program = shutil.which("espeak-ng")
        if self._program is None:
            raise SpeechError(
                "the espeak-ng program is not installed; install it, e.g. `apt-get install espeak-ng`"
            )
        self.rate_wpm = rate_wpm
        self.version = "espeak-ng-" + self._run("--version").split(":", 1)[-1].split()[0]
        self.voice = choose_voice(self.voices(), voice, language)

    def _run(self, *args: str, text: str | None = None) -> str:
        try:
            done = subprocess.run(
                [str(self._program), *args], input=text, capture_output=True, text=True,
                timeout=RENDER_TIMEOUT_S,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechError(f"espeak-ng failed: {exc}") from exc
        if done.returncode != 0:
            raise SpeechError(f"espeak-ng failed: {(done.stderr or done.stdout).strip()}")
        return done.stdout

    def render(self, text: str, path: Path) -> None:
        """Write one utterance (text goes through stdin so a leading '-' is not an option)."""
        voice = ["-v", self.voice] if self.voice else []
        self._run(*voice, "-s", str(self.rate_wpm), "-w", str(path), text=text)
        if not is_valid_wav(path):
            raise SpeechError(f"espeak-ng wrote no audio for {text!r}")

    def voices(self) -> list[VoiceInfo]:
        """Parse `espeak-ng --voices`: Pty Language Age/Gender VoiceName File Other-languages."""
        voices = []
        for line in self._run("--voices").splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 5:
                others = tuple(p.strip("()") for p in parts[5::2])
                voices.append(VoiceInfo(parts[4].lower(), parts[3], (parts[1], *others)))
        return voices

    def close(self) -> None:
        """Nothing to release: each render is its own process."""


def _probe(renderer: Renderer) -> None:
    with tempfile.TemporaryDirectory(prefix="voicecoach-probe-") as tmp:
        renderer.render(PROBE_TEXT, Path(tmp) / "probe.wav")


def open_renderer(
    engine: str = "auto", voice: str = "", rate_wpm: int = 165, language: str = "en-us",
    pyttsx3_driver: str | None = None,
) -> tuple[Renderer, str]:
    """The renderer the settings ask for, checked by rendering one word, and a note saying which.

    "auto" tries pyttsx3 first and falls back to the espeak-ng program when pyttsx3 cannot
    render; `pyttsx3_driver` picks a pyttsx3 driver other than the platform's default.
    """
    reason = ""
    if engine in ("auto", "pyttsx3"):
        try:
            renderer = Pyttsx3Renderer(voice, rate_wpm, language, driver_name=pyttsx3_driver)
            _probe(renderer)
            return renderer, f"speech by {renderer.version}, {_voice_note(renderer)}"
        except Exception as exc:  # pyttsx3 or its driver failing to load is as bad as bad audio
            if engine == "pyttsx3":
                if isinstance(exc, SpeechError):
                    raise
                raise SpeechError(f"pyttsx3 cannot render: {exc}") from exc
            detail = str(exc) if isinstance(exc, SpeechError) else f"{type(exc).__name__}: {exc}"
            reason = f"pyttsx3 cannot render ({detail}); "
    elif engine != "espeak-ng":
        raise SpeechError(
            f"voice.engine: unknown engine {engine!r}; use auto, pyttsx3 or espeak-ng"
        )
    fallback = EspeakNgRenderer(voice, rate_wpm, language)
    _probe(fallback)
    return fallback, f"{reason}speech by the {fallback.version} program, {_voice_note(fallback)}"


def _voice_note(renderer: Renderer) -> str:
    return f"voice {renderer.voice or 'default'}, {renderer.rate_wpm} wpm"
