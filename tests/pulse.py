"""A private PulseAudio daemon with virtual devices, so audio tests run on machines with no sound card.

The daemon gets its own XDG_RUNTIME_DIR (never the user's), a `spk` null sink at 22050 Hz (the coach's
speaker, recorded through `spk.monitor`) and a `micsink` null sink at 16 kHz whose monitor is
remapped as the `vmic` source (the microphone). Code that opens PortAudio must run with `env`
applied: sounddevice then sees the devices `pulse` and `default`.

Usage from a test module::

    from tests.pulse import pulse_fixture
    pulse = pulse_fixture()          # module-scoped fixture named `pulse`

    def test_x(pulse):
        with pulse.record_speaker() as rec:
            ...
        rec.samples, rec.time_of(frame)
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

SPEAKER_RATE_HZ = 22_050
MIC_RATE_HZ = 16_000
_START_TIMEOUT_S = 10.0


class PulseUnavailable(RuntimeError):
    """The daemon could not be started here (no pulseaudio binary, or it refused to start)."""


def _wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@dataclass
class SpeakerRecording:
    """Raw samples heard on `spk.monitor`, with the monotonic time each arriving chunk ended."""

    rate_hz: int = SPEAKER_RATE_HZ
    chunks: list[np.ndarray] = field(default_factory=list)
    arrivals: list[tuple[float, int]] = field(default_factory=list)
    """(monotonic arrival time, total frames received so far) for every chunk."""

    @property
    def samples(self) -> np.ndarray:
        """Everything recorded, as float32 in -1..1."""
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self.chunks).astype(np.float32) / 32768.0

    def time_of(self, frame: int) -> float:
        """Monotonic time at which `frame` reached the speaker (upper bound: capture latency).

        Chunks arrive when filled, so each arrival bounds when its frames were played; the
        earliest bound over all chunks anchors frame 0 most tightly.
        """
        origin = min(t - total / self.rate_hz for t, total in self.arrivals)
        return origin + frame / self.rate_hz

    def onsets(self, threshold: float = 0.02, min_gap_s: float = 0.15) -> list[int]:
        """Frames where sound starts after at least `min_gap_s` of silence."""
        loud = np.flatnonzero(np.abs(self.samples) > threshold)
        if loud.size == 0:
            return []
        gap = int(min_gap_s * self.rate_hz)
        starts = [int(loud[0])]
        starts += [int(b) for a, b in itertools.pairwise(loud) if b - a > gap]
        return starts


class PulseServer:
    """One private PulseAudio daemon; stop() kills it by the pid it wrote."""

    def __init__(self) -> None:
        if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
            raise PulseUnavailable("pulseaudio/pactl are not installed")
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="vc-pulse-"))
        self.runtime_dir.chmod(0o700)
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(self.runtime_dir)}
        """Environment for subprocesses (and for os.environ before PortAudio is initialised)."""
        self._pid: int | None = None
        self._start()

    @property
    def pid_file(self) -> Path:
        return self.runtime_dir / "pulse" / "pid"

    def _start(self) -> None:
        modules = [
            "module-native-protocol-unix",
            f"module-null-sink sink_name=spk rate={SPEAKER_RATE_HZ} channels=1",
            f"module-null-sink sink_name=micsink rate={MIC_RATE_HZ} channels=1",
            "module-remap-source master=micsink.monitor source_name=vmic",
        ]
        cmd = ["pulseaudio", "-D", "-n", "--exit-idle-time=-1", "--system=false"]
        cmd += [f"--load={m}" for m in modules]
        run = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=20)
        if run.returncode != 0 or not _wait_for(self._is_ready, _START_TIMEOUT_S):
            self.stop()
            raise PulseUnavailable(f"pulseaudio did not start: {run.stderr.strip()[-300:]}")
        self._pid = int(self.pid_file.read_text().split()[0])
        self.pactl("set-default-sink", "spk")
        self.pactl("set-default-source", "vmic")

    def _is_ready(self) -> bool:
        probe = subprocess.run(["pactl", "info"], env=self.env, capture_output=True, timeout=5)
        return probe.returncode == 0 and self.pid_file.exists()

    def pactl(self, *args: str) -> str:
        """Run pactl against this daemon; returns its stdout."""
        done = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, check=True, timeout=10
        )
        return done.stdout

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """Point this process at the daemon (PortAudio reads XDG_RUNTIME_DIR when it initialises)."""
        old = os.environ.get("XDG_RUNTIME_DIR")
        os.environ["XDG_RUNTIME_DIR"] = str(self.runtime_dir)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("XDG_RUNTIME_DIR", None)
            else:
                os.environ["XDG_RUNTIME_DIR"] = old

    def play_into_mic(self, wav: Path, wait: bool = True) -> subprocess.Popen[bytes]:
        """'Speak into the microphone': paced in real time. Pad the file with 0.5 s of silence."""
        proc = subprocess.Popen(["paplay", "--device=micsink", str(wav)], env=self.env)
        if wait:
            proc.wait(timeout=60)
        return proc

    @contextlib.contextmanager
    def record_speaker(self, latency_ms: int = 5) -> Iterator[SpeakerRecording]:
        """Record what reaches the speaker (spk.monitor) while the block runs."""
        recording = SpeakerRecording()
        proc = subprocess.Popen(
            [
                "parec", "--device=spk.monitor", "--raw", "--format=s16le",
                f"--rate={SPEAKER_RATE_HZ}", "--channels=1", f"--latency-msec={latency_ms}",
            ],
            env=self.env, stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        stream = proc.stdout

        def pump() -> None:
            total = 0
            while chunk := stream.read1(4096):
                now = time.monotonic()
                data = np.frombuffer(chunk[: len(chunk) // 2 * 2], dtype="<i2").copy()
                total += data.size
                recording.chunks.append(data)
                recording.arrivals.append((now, total))

        reader = threading.Thread(target=pump, name="parec-reader", daemon=True)
        reader.start()
        # the first chunk proves the stream is live; nothing said before it could be heard
        _wait_for(lambda: bool(recording.arrivals), 5.0)
        try:
            yield recording
        finally:
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            if proc.poll() is None:
                proc.kill()
            reader.join(timeout=5)

    def record_speaker_to(self, path: Path) -> subprocess.Popen[bytes]:
        """Start parecord of the speaker into a WAV file; stop it with .send_signal(SIGINT)."""
        return subprocess.Popen(
            [
                "parecord", "--device=spk.monitor", f"--rate={SPEAKER_RATE_HZ}", "--channels=1",
                "--file-format=wav", str(path),
            ],
            env=self.env,
        )

    def enable_echo(self, latency_ms: int = 30) -> int:
        """Feed the speaker back into the microphone; returns the module index for disable_echo."""
        out = self.pactl(
            "load-module", "module-loopback", "source=spk.monitor", "sink=micsink",
            f"latency_msec={latency_ms}",
        )
        return int(out.strip())

    def disable_echo(self, module_index: int) -> None:
        """Undo enable_echo."""
        self.pactl("unload-module", str(module_index))

    def stop(self) -> None:
        """Kill the daemon by its pid and remove its runtime directory."""
        pid = self._pid
        if pid is None and self.pid_file.exists():
            with contextlib.suppress(ValueError):
                pid = int(self.pid_file.read_text().split()[0])
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            _wait_for(lambda: not Path(f"/proc/{pid}").exists(), 5.0)
        self._pid = None
        shutil.rmtree(self.runtime_dir, ignore_errors=True)


def write_wav(path: Path, samples: np.ndarray, rate_hz: int) -> Path:
    """Write float samples (-1..1) as a 16-bit mono WAV, e.g. audio to play into the mic."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes(pcm.tobytes())
    return path


def pulse_fixture(scope: str = "module"):
    """A pytest fixture `pulse` yielding a running PulseServer with this process pointed at it.

    Skips (with the reason) only when the daemon cannot start. PortAudio is re-initialised inside
    so sounddevice sees the virtual devices even if it was imported earlier.
    """

    @pytest.fixture(scope=scope)
    def pulse() -> Iterator[PulseServer]:
        try:
            server = PulseServer()
        except (PulseUnavailable, OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"virtual audio unavailable: {exc}")
        try:
            with server.applied():
                reinit_portaudio()
                yield server
        finally:
            server.stop()
            reinit_portaudio()

    return pulse


def reinit_portaudio() -> None:
    """PortAudio enumerates devices once at init; re-init so it sees the current daemon."""
    try:
        import sounddevice as sd
    except OSError:
        return
    sd._terminate()
    sd._initialize()


_reinit_portaudio = reinit_portaudio  # the old name, still imported by test_capture.py
