"""The one door to sounddevice: lazy import, readable errors, and device lookup by name or index."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from voicecoach.audio.alsa_messages import silence_alsa_messages
from voicecoach.errors import AudioDeviceError

Direction = Literal["input", "output"]


def import_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio into a message that says what to install
    (and keeping ALSA's C-level messages off the terminal)."""
    try:
        import sounddevice
    except OSError as exc:  # raised at import when libportaudio2 is absent
        raise AudioDeviceError(
            f"PortAudio is not installed ({exc}); install it, e.g. `apt-get install libportaudio2`"
        ) from exc
    silence_alsa_messages()
    return sounddevice


def release_stream(stream: Any) -> None:
    """Stop and close a stream at once; a device that vanished may fail to close (it is gone)."""
    with contextlib.suppress(Exception):
        stream.abort()
        stream.close()


@dataclass(frozen=True)
class Device:
    """One PortAudio device as the user sees it in `voicecoach devices`."""

    index: int
    name: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate_hz: float

    def has(self, direction: Direction) -> bool:
        """Whether the device can record (input) or play (output)."""
        channels = self.max_input_channels if direction == "input" else self.max_output_channels
        return channels > 0


def list_devices() -> list[Device]:
    """Every device PortAudio sees (empty on a machine with no sound card)."""
    sd = import_sounddevice()
    return [
        Device(
            index=i,
            name=str(d["name"]),
            max_input_channels=int(d["max_input_channels"]),
            max_output_channels=int(d["max_output_channels"]),
            default_samplerate_hz=float(d["default_samplerate"]),
        )
        for i, d in enumerate(sd.query_devices())
    ]


def default_device(direction: Direction) -> int | None:
    """PortAudio's default device index for a direction, or None when there is none."""
    sd = import_sounddevice()
    index = sd.default.device[0 if direction == "input" else 1]
    return None if index is None or int(index) < 0 else int(index)


def resolve_device(spec: str | int | None, direction: Direction) -> int:
    """The device index for a settings value: empty = default, a number = index, text = name part.

    Raises AudioDeviceError naming every candidate when the spec matches none or several.
    """
    devices = [d for d in list_devices() if d.has(direction)]
    if spec in (None, ""):
        index = default_device(direction)
        if index is None:
            raise AudioDeviceError(f"no {direction} audio device found on this machine")
        return index
    text = str(spec).strip()
    if text.isdigit():
        if any(d.index == int(text) for d in devices):
            return int(text)
        raise AudioDeviceError(
            f"no {direction} device with index {text}; choose one of: {_describe(devices)}"
        )
    exact = [d for d in devices if d.name.lower() == text.lower()]
    matches = exact or [d for d in devices if text.lower() in d.name.lower()]
    if len(matches) == 1:
        return matches[0].index
    if not matches:
        raise AudioDeviceError(
            f"no {direction} device matches {text!r}; choose one of: {_describe(devices)}"
        )
    raise AudioDeviceError(
        f"{direction} device {text!r} is ambiguous: {_describe(matches)}; use the index"
    )


def _describe(devices: list[Device]) -> str:
    return ", ".join(f"[{d.index}] {d.name}" for d in devices) or "(none)"
