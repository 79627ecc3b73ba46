"""Text to WAV: choosing the engine (Piper, pyttsx3 on one dedicated thread, the espeak-ng program).

Rendering only ever writes files; playing them is the player's job (pyttsx3's own `say` cannot be
interrupted or timed, see NOTES.md). Piper itself lives in piper_tts; this module picks it and
falls back from it.
"""

from __future__ import annotations

import atexit
import functools
import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from voicecoach.errors import SpeechError
from voicecoach.voice.piper_voices import find_voice, looks_like_piper_name
from voicecoach.voice.rendering import Renderer, VoiceInfo, is_valid_wav

__all__ = [
    "EspeakNgRenderer", "FallbackRenderer", "Pyttsx3Renderer", "Renderer", "VoiceInfo",
    "all_voices", "choose_voice", "is_fallback_note", "is_valid_wav", "open_renderer",
]

RENDER_TIMEOUT_S = 10.0
"""pyttsx3 has hung for >10 s when misused; never let a workout wait longer than this on one cue."""

PROBE_TEXT = "ready"
"""Rendered once when a renderer is opened: pyttsx3 can fail silently, so it must be seen to work."""


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
    if looks_like_piper_name(wanted):
        raise SpeechError(
            f"voice.voice: the Piper voice {wanted!r} is not installed; fetch it with "
            f"`voicecoach voice download {wanted.strip()}` (needs internet) or pick one from "
            "`voicecoach voices`"
        )
    raise SpeechError(
        f"voice.voice: no installed voice {wanted!r}; run `voicecoach voices` and use an id "
        "or name from the list (or leave it empty for the language's default)"
    )


SAVED_NOTICE = "Audio saved to "
"""How the line begins that pyttsx3's espeak driver prints for every file it writes."""


def _quiet_driver_prints() -> None:
    """Drop the "Audio saved to PATH" line pyttsx3's espeak driver prints per file; its other
    messages go to stderr, where problems belong.

    The driver prints from espeak's callback thread. Swapping sys.stdout around each render
    (what this did before) raced with whoever else swaps it: pytest's per-test capture, seen in
    a test run as a stray "Audio saved to ..." in a later test's output. Shadowing `print` in
    the driver's own module touches nothing else.
    """
    from pyttsx3.drivers import espeak as driver

    def driver_print(*args: object, **_: object) -> None:
        line = " ".join(str(a) for a in args)
        if not line.startswith(SAVED_NOTICE):
            print(line, file=sys.stderr)

    driver.print = driver_print  # type: ignore[attr-defined]


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
            if sys.platform.startswith("linux"):
                _quiet_driver_prints()
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
            VoiceInfo(str(v.id), str(v.name), tuple(str(lang) for lang in (v.languages or ())),
                      "pyttsx3")
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
                voices.append(
                    VoiceInfo(parts[4].lower(), parts[3], (parts[1], *others), "espeak-ng"))
        return voices

    def close(self) -> None:
        """Nothing to release: each render is its own process."""


def _probe(renderer: Renderer) -> None:
    with tempfile.TemporaryDirectory(prefix="voicecoach-probe-") as tmp:
        renderer.render(PROBE_TEXT, Path(tmp) / "probe.wav")


class FallbackRenderer:
    """Piper, handing over to pyttsx3 (or espeak-ng) for good the first time it fails to render.

    Name, version and voice follow whichever engine renders now, so the cue cache never files
    one engine's audio under the other's key. The switch is said once, through `notify`.
    """

    def __init__(
        self, primary: Renderer, open_fallback: Callable[[], tuple[Renderer, str]],
        notify: Callable[[str], None],
    ) -> None:
        self.active: Renderer = primary
        self._primary = primary
        self._open_fallback = open_fallback
        self._notify = notify
        self._lock = threading.Lock()
        self.has_fallen_back = False

    @property
    def name(self) -> str:
        return self.active.name

    @property
    def version(self) -> str:
        return self.active.version

    @property
    def voice(self) -> str:
        return self.active.voice

    @property
    def rate_wpm(self) -> int:
        return self.active.rate_wpm

    def render(self, text: str, path: Path) -> None:
        """Render with the active engine; on Piper's first failure, switch and render again."""
        renderer = self.active
        try:
            renderer.render(text, path)
            return
        except SpeechError as exc:
            if renderer is not self._primary:  # the fallback failed too: nothing else to try
                raise
            failure = exc
        with self._lock:
            if self.active is renderer:  # another thread may have switched already
                fallback, note = self._open_fallback()
                self.active, self.has_fallen_back = fallback, True
                self._notify(f"{failure}; {note} from now on")
        path.unlink(missing_ok=True)
        self.active.render(text, path)

    def voices(self) -> list[VoiceInfo]:
        """The active engine's voices."""
        return self.active.voices()

    def close(self) -> None:
        """Close the active engine."""
        self.active.close()


FALLBACK_NOTES = ("Piper cannot speak", "pyttsx3 cannot render")
"""How open_renderer's note begins when the engine asked for could not be used."""


def is_fallback_note(note: str) -> bool:
    """Whether open_renderer's note says it fell back (commands that stay quiet still say so)."""
    return note.startswith(FALLBACK_NOTES)


def _print_notice(text: str) -> None:
    """Where a mid-workout engine switch is said when the caller gives no other place."""
    print(f"voicecoach: {text}", file=sys.stderr, flush=True)


def open_renderer(
    engine: str = "auto", voice: str = "", rate_wpm: int = 165, language: str = "en-us",
    pyttsx3_driver: str | None = None, *, voices_dir: Path | None = None,
    notify: Callable[[str], None] = _print_notice,
) -> tuple[Renderer, str]:
    """The renderer the settings ask for, checked by rendering one word, and a note saying which.

    "auto" picks Piper when an installed Piper voice fits [voice] voice/language, else pyttsx3,
    else the espeak-ng program. Piper ("auto" or "piper") that cannot load or render falls back
    to pyttsx3 with the reason in the note, or later, mid-workout, through `notify`: the coach
    keeps talking. `pyttsx3_driver` picks a pyttsx3 driver other than the platform's default.
    """
    if engine not in ("auto", "piper", "pyttsx3", "espeak-ng"):
        raise SpeechError(
            f"voice.engine: unknown engine {engine!r}; use auto, piper, pyttsx3 or espeak-ng"
        )
    reason = ""
    if engine in ("auto", "piper"):
        piper_voice = find_voice(voice, language, voices_dir)
        if piper_voice is None and engine == "piper":
            raise SpeechError(_no_piper_voice(voice, language))
        if piper_voice is not None:
            try:
                from voicecoach.voice.piper_tts import PiperRenderer

                piper = PiperRenderer(piper_voice, rate_wpm)
                _probe(piper)
            except Exception as exc:  # a missing piper/onnxruntime or a broken model
                reason = f"Piper cannot speak ({_detail(exc)}); "
                voice = ""  # the Piper voice means nothing to pyttsx3: use the language's
            else:
                def fallback() -> tuple[Renderer, str]:
                    return _open_classic("auto", "", rate_wpm, language, pyttsx3_driver)

                return (FallbackRenderer(piper, fallback, notify),
                        f"speech by {piper.version.split('/')[0]}, {_voice_note(piper)}")
    renderer, note = _open_classic(
        "auto" if engine == "piper" else engine, voice, rate_wpm, language, pyttsx3_driver)
    return renderer, reason + note


def _no_piper_voice(voice: str, language: str) -> str:
    if voice:
        return (f"voice.voice: no installed Piper voice {voice!r}; fetch it with `voicecoach "
                f"voice download {voice}` (needs internet) or pick one from `voicecoach voices`")
    return (f"voice.engine: no installed Piper voice speaks {language!r}; install one with "
            "`voicecoach voice download NAME` or set engine = \"auto\"")


def _detail(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, SpeechError) else f"{type(exc).__name__}: {exc}"


def _open_classic(
    engine: str, voice: str, rate_wpm: int, language: str, pyttsx3_driver: str | None,
) -> tuple[Renderer, str]:
    """pyttsx3, or the espeak-ng program when pyttsx3 cannot render (for "auto")."""
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
            if isinstance(exc, SpeechError) and str(exc).startswith("voice.voice:"):
                raise  # the user's setting is wrong: espeak-ng has the same voices
            reason = f"pyttsx3 cannot render ({_detail(exc)}); "
    fallback = EspeakNgRenderer(voice, rate_wpm, language)
    _probe(fallback)
    return fallback, f"{reason}speech by the {fallback.version} program, {_voice_note(fallback)}"


def all_voices(active: Renderer) -> list[VoiceInfo]:
    """Every voice of every engine on this machine: Piper's first, then pyttsx3's (or espeak-ng's).

    The active renderer's list is used for its own engine; the others are asked here.
    """
    from voicecoach.voice.piper_tts import piper_voice_info
    from voicecoach.voice.piper_voices import installed_voices

    voices = [piper_voice_info(v) for v in installed_voices()]
    if active.name == "piper":
        try:
            classic, _ = _open_classic("auto", "", active.rate_wpm, "en-us", None)
        except SpeechError:
            return voices
        return voices + classic.voices()
    return voices + active.voices()


def _voice_note(renderer: Renderer) -> str:
    return f"voice {renderer.voice or 'default'}, {renderer.rate_wpm} wpm"
