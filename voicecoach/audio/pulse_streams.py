"""Other programs' playback streams on PulseAudio (or PipeWire's pulse server), through pulsectl.

The one door to pulsectl: everything it raises becomes a `PulseError`. pulsectl is not
thread-safe, so a `PulseStreams` must be used from one thread only (the ducker's).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Protocol

from voicecoach.errors import AudioDeviceError


class PulseError(AudioDeviceError):
    """No PulseAudio server to talk to, pulsectl/libpulse missing, or the server refused."""


@dataclass(frozen=True)
class PlayingStream:
    """One sink input (a program's playback stream) and what identifies it across restarts."""

    index: int
    application: str
    pid: int | None
    volume: tuple[float, ...]
    """Per-channel volume as pulsectl gives it (1.0 = 100 %, cubic in amplitude)."""
    sink: int = -1
    """The output device (sink index) it plays to."""


class StreamControl(Protocol):
    """What the ducker needs of the sound server; `PulseStreams` is the real one, tests fake it."""

    def playing(self) -> list[PlayingStream]:
        """Every playback stream now on the server."""

    def volume_of(self, index: int) -> tuple[float, ...] | None:
        """The stream's per-channel volume, or None if it is gone."""

    def set_volume(self, index: int, volume: tuple[float, ...]) -> bool:
        """Set the stream's per-channel volume; False if it is gone."""

    def close(self) -> None:
        """Disconnect."""


def _pid_of(proplist: dict[str, str]) -> int | None:
    try:
        return int(proplist.get("application.process.id", ""))
    except ValueError:
        return None


class PulseStreams:
    """StreamControl on a live pulsectl connection (connects in the constructor)."""

    def __init__(self, client_name: str = "voicecoach-ducking") -> None:
        try:
            import pulsectl
        except (ImportError, OSError) as exc:  # OSError: libpulse.so.0 itself is missing
            raise PulseError(f"pulsectl cannot load libpulse ({exc})") from None
        self._pulsectl = pulsectl
        try:
            self._pulse = pulsectl.Pulse(client_name, connect=True)
        except pulsectl.PulseError as exc:
            raise PulseError(f"no PulseAudio server answers ({exc})") from None

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except self._pulsectl.PulseError as exc:
            raise PulseError(f"PulseAudio refused to {what} ({exc})") from None

    def playing(self) -> list[PlayingStream]:
        """Every sink input, with its application name, pid and volume."""
        return [
            PlayingStream(si.index, si.proplist.get("application.name", si.name or ""),
                          _pid_of(si.proplist), tuple(si.volume.values), si.sink)
            for si in self._call("list the streams", self._pulse.sink_input_list)
        ]

    def _find(self, index: int) -> Any | None:
        try:
            return self._pulse.sink_input_info(index)
        except (self._pulsectl.PulseIndexError, self._pulsectl.PulseOperationFailed):
            return None
        except self._pulsectl.PulseError as exc:
            raise PulseError(f"PulseAudio refused to read stream {index} ({exc})") from None

    def volume_of(self, index: int) -> tuple[float, ...] | None:
        """The stream's volume, or None if it has ended."""
        found = self._find(index)
        return None if found is None else tuple(found.volume.values)

    def set_volume(self, index: int, volume: tuple[float, ...]) -> bool:
        """Set the volume; False if the stream ended meanwhile (not an error: music stops)."""
        found = self._find(index)
        if found is None:
            return False
        try:
            self._pulse.volume_set(found, self._pulsectl.PulseVolumeInfo(list(volume)))
        except self._pulsectl.PulseOperationFailed:
            return False  # it ended between the two calls
        except self._pulsectl.PulseError as exc:
            raise PulseError(f"PulseAudio refused to set stream {index}'s volume ({exc})") from None
        return True

    def close(self) -> None:
        """Disconnect (never raises: it runs on the way out)."""
        with contextlib.suppress(Exception):
            self._pulse.close()
