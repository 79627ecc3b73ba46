"""Ears from a microphone: capture -> recognizer -> echo gate -> CommandHeard on the runner's queue."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.commands import ALWAYS_HEARD, STATE_GRAMMAR, Command
from voicecoach.ears import own_words
from voicecoach.ears.base import Recognition, Recognizer
from voicecoach.ears.gate import COACH_SPEAKING, MIN_KEPT_DB, REFUSALS, EchoGate, is_doubt
from voicecoach.ears.speaker_check import NOT_YOUR_VOICE
from voicecoach.ears.voice_profile import VoiceProfile
from voicecoach.echo.canceller import EchoCanceller
from voicecoach.events import CommandHeard, MicrophoneBack, MicrophoneLost
from voicecoach.ports import Post
from voicecoach.states import State

_KEEP_BLOCKS = 600
"""Block times kept for mapping audio time to the clock: a minute of 100 ms blocks."""
RING_S = 10.0
"""Seconds of recent audio kept for the voice lock: longer than any command and its decoding."""
SEGMENT_PAD_S = 0.15
"""Audio kept before and after a recognition's span when it is handed to the voice check."""
SECOND_LISTEN_PAD_S = 0.5
"""Audio around the words decoded again by the second listen (as much as Whisper's own pad)."""

VoiceCheck = Callable[[Command, str, np.ndarray], "str | None"]
"""Why a command's utterance (its words, float32 16 kHz audio) is not the user's voice, or None."""


@dataclass(frozen=True)
class Heard:
    """One recognition with its place on the monotonic clock and the gate's verdict."""

    recognition: Recognition
    start_s: float
    end_s: float
    rejected_because: str | None
    kept_db: float | None = None
    """How much of its sound the echo canceller let through (None without one)."""
    is_second_listen: bool = False
    """The command was heard when the words were decoded again from the microphone with the
    coach's voice fitted away (Listener._listen_again); the first listen had refused them."""
    also_heard: str | None = None
    """What the other listen made of the same words, when there were two."""
    own_words_distance: float | None = None
    """The recognizer doubted the words and the user's own calibration takes decided them
    (ears/own_words.py): how near the nearest take was."""


class AudioClock:
    """Maps recognizer audio time (seconds of PCM fed) to the monotonic clock, block by block.

    Per-block anchors keep the mapping right across gaps (a reconnected device) and clock drift.
    """

    def __init__(self) -> None:
        self.audio_s = 0.0
        self._blocks: deque[tuple[float, float]] = deque(maxlen=_KEEP_BLOCKS)

    def add(self, n_bytes: int, recorded_at_s: float) -> None:
        """A block of `n_bytes` 16-bit PCM whose last sample was recorded at `recorded_at_s`."""
        self.audio_s += n_bytes / 2 / SAMPLE_RATE_HZ
        self._blocks.append((self.audio_s, recorded_at_s))

    def clock_of(self, audio_s: float | None) -> float:
        """Monotonic time of an audio instant (the latest block's end when unknown)."""
        if not self._blocks:
            return 0.0
        if audio_s is None:
            return self._blocks[-1][1]
        for block_end_audio_s, block_end_clock_s in self._blocks:
            if audio_s <= block_end_audio_s:
                return block_end_clock_s - (block_end_audio_s - audio_s)
        last_audio_s, last_clock_s = self._blocks[-1]
        return last_clock_s + (audio_s - last_audio_s)


class RecentAudio:
    """The last RING_S seconds of the audio the recognizer heard, addressed by its audio time."""

    def __init__(self, keep_s: float = RING_S) -> None:
        self._keep = round(keep_s * SAMPLE_RATE_HZ) * 2
        self._pcm = bytearray()
        self._start_byte = 0
        """Stream position (bytes since the start) of the first byte kept."""

    def add(self, pcm: bytes) -> None:
        """Append a block; forget what falls out of the window."""
        self._pcm += pcm
        extra = len(self._pcm) - self._keep
        if extra > 0:
            del self._pcm[:extra]
            self._start_byte += extra

    def segment(self, start_s: float, end_s: float) -> np.ndarray:
        """Float32 samples between two audio times (what is still kept of them)."""
        first = max(0, round(start_s * SAMPLE_RATE_HZ) * 2 - self._start_byte)
        last = max(first, round(end_s * SAMPLE_RATE_HZ) * 2 - self._start_byte)
        chunk = bytes(self._pcm[first:last])
        return np.frombuffer(chunk, dtype="<i2").astype(np.float32) / 32768.0


class Listener:
    """An Ears: runs the recognizer on each block and posts the commands that pass the gate.

    `open_source(listener)` starts whatever calls `feed` (a Capture on the microphone, a virtual
    microphone in the demo) and returns it so `close` can stop it.
    """

    def __init__(
        self,
        recognizer: Recognizer,
        gate: EchoGate,
        open_source: Callable[[Listener], object] | None = None,
        on_heard: Callable[[Heard], None] | None = None,
        post: Post | None = None,
        echo_canceller: EchoCanceller | None = None,
    ) -> None:
        self.recognizer = recognizer
        self._echo_canceller = echo_canceller
        self.gate = gate
        self._open_source = open_source
        self._on_heard = on_heard
        self._post = post
        self._source: object | None = None
        self._timeline = AudioClock()
        self._lock = threading.Lock()
        self._wanted: frozenset[Command] | None = None
        self.on_block: Callable[[bytes], None] | None = None
        """Sees every block before decoding (the live view's microphone meter)."""
        self._voice_check: VoiceCheck | None = None
        self._profile: VoiceProfile | None = None
        self._allowed: frozenset[Command] = frozenset()
        """The commands the recognizer listens for now (what the user's takes may decide)."""
        self._recent = RecentAudio()

    def use_own_words(self, profile: VoiceProfile | None) -> None:
        """Let the user's calibration takes decide words the recognizer doubted (None: don't)."""
        self._profile = profile

    def lock_to(self, check: VoiceCheck | None) -> None:
        """The voice lock: from now on commands other than stop and the safety phrases must
        pass `check` (None unlocks)."""
        self._voice_check = check

    @property
    def audio_s(self) -> float:
        """Seconds of audio decoded so far (0 until the microphone delivers)."""
        return self._timeline.audio_s

    def start(self, post: Post) -> None:
        """Begin listening: open the microphone (its own thread calls feed)."""
        self._post = post
        if self._open_source is not None:
            self._source = self._open_source(self)

    def listen_for(self, state: State) -> None:
        """Swap the grammar to `state`'s commands before the next block is decoded."""
        self.listen_for_commands(STATE_GRAMMAR[state])

    def listen_for_commands(self, commands: Collection[Command]) -> None:
        """Like listen_for, with an explicit command set (`voicecoach listen` hears them all)."""
        with self._lock:
            self._wanted = frozenset(commands)

    def close(self) -> None:
        """Stop listening and release the microphone."""
        source, self._source = self._source, None
        close = getattr(source, "close", None)
        if close is not None:
            close()

    def feed(self, pcm: bytes, recorded_at_s: float) -> list[Heard]:
        """Decode one block (called on the capture thread); posts admitted commands."""
        with self._lock:
            wanted, self._wanted = self._wanted, None
        if wanted is not None:
            self.recognizer.set_commands(wanted)
            self._allowed = wanted
        self._timeline.add(len(pcm), recorded_at_s)
        if self.on_block is not None:
            self.on_block(pcm)
        if self._echo_canceller is not None:
            pcm = self._echo_canceller.process(pcm, recorded_at_s)
        self._recent.add(pcm)
        return self._judge(self.recognizer.accept(pcm))

    def finish(self) -> list[Heard]:
        """End of input (a file): decode the last open utterance."""
        return self._judge(self.recognizer.flush())

    def microphone_lost(self, reason: str) -> None:
        """The device vanished: drop the half-heard utterance and tell the session."""
        self.recognizer.flush()
        if self._post is not None:
            self._post(MicrophoneLost())

    def microphone_back(self) -> None:
        """The device returned."""
        if self._post is not None:
            self._post(MicrophoneBack())

    def _echo_evidence(self, recognition: Recognition, fitted_db: float | None = None
                       ) -> tuple[float | None, bool]:
        """(how much of the utterance's sound the echo canceller let through, or for a would-be
        command the fitted second opinion if that let through less; whether it did not yet know
        where the echo was when the utterance began); (None, False) without one. `fitted_db`
        given (the second listen, whose audio is the fit's own): that is the evidence."""
        if self._echo_canceller is None or recognition.end_s is None:
            return None, False
        canceller = self._echo_canceller
        start_s = recognition.end_s if recognition.start_s is None else recognition.start_s
        is_echo_unknown = not canceller.was_echo_found(start_s)
        if fitted_db is not None:
            return fitted_db, is_echo_unknown
        kept_db = canceller.kept_db(start_s, recognition.end_s)
        if kept_db is not None and recognition.command is not None:
            fitted_db = canceller.fitted_kept_db(start_s, recognition.end_s)
            kept_db = kept_db if fitted_db is None else min(kept_db, fitted_db)
        return kept_db, is_echo_unknown

    def _judge(self, recognitions: list[Recognition]) -> list[Heard]:
        heard = []
        for recognition in recognitions:
            verdict = self._verdict(recognition)
            if verdict.rejected_because is not None:
                verdict = self._listen_again(verdict)
            if verdict.rejected_because is not None:
                verdict = self._ask_own_words(verdict)
            heard.append(verdict)
            if self._on_heard is not None:
                self._on_heard(verdict)
            if verdict.rejected_because is None and self._post is not None:
                assert verdict.recognition.command is not None
                self._post(CommandHeard(verdict.recognition.command, verdict.recognition.text,
                                        verdict.recognition.confidence))
        return heard

    def _verdict(self, recognition: Recognition, fitted_db: float | None = None) -> Heard:
        """The gate's and the voice lock's judgement; `fitted_db`: the echo evidence is already
        known (the second listen's audio is the fit's own)."""
        # The recognizer hears the canceller's output, which runs a little behind the microphone.
        late_s = self._echo_canceller.latency_s if self._echo_canceller is not None else 0.0
        end_s = self._timeline.clock_of(recognition.end_s) - late_s
        start_s = (
            self._timeline.clock_of(recognition.start_s) - late_s
            if recognition.start_s is not None else end_s
        )
        kept_db, is_echo_unknown = self._echo_evidence(recognition, fitted_db)
        rejected = self.gate.rejection(recognition, start_s, end_s, kept_db, is_echo_unknown)
        if rejected is None:
            rejected = self._voice_rejection(recognition)
        return Heard(recognition, start_s, end_s, rejected, kept_db)

    def _listen_again(self, first: Heard) -> Heard:
        """The second listen: words over the coach's voice that were no command, decoded again
        from the microphone with the played sound taken away by a filter fitted to them alone.

        Why: on a loaded machine the streaming canceller loses the echo for a second or more
        at a time (the loop's delay moves; its double-talk guard then stops it learning), and
        its suppressor turns down what it leaves, the user's word with it: "stop" said over the
        coach's "Down, with control." came out as "That's time. Control." in 3 of 3 tries
        (CI, 2026-12-02), and the fitted audio of the same tries as "Stop. With control." 11
        times in 12 on recordings of four such runs. Only for words that overlap played sound
        and that the fit does not explain away (more than MIN_KEPT_DB left): the coach's own
        voice is not decoded twice.

        One utterance, one verdict: the second listen's when it admits a command, else the first
        one's; `also_heard` keeps what the other listen made of the same words.
        """
        canceller, recognition = self._echo_canceller, first.recognition
        assert first.rejected_because is not None
        if (canceller is None or recognition.start_s is None or recognition.end_s is None
                or first.rejected_because.startswith((*REFUSALS, COACH_SPEAKING))):
            return first
        fitted_db = canceller.fitted_kept_db(recognition.start_s, recognition.end_s)
        if fitted_db is None or fitted_db < MIN_KEPT_DB:
            return first
        at_s = max(0.0, recognition.start_s - SECOND_LISTEN_PAD_S)
        audio = canceller.fitted_without_echo(
            at_s, min(self.audio_s, recognition.end_s + SECOND_LISTEN_PAD_S))
        if audio is None:
            return first
        again = self.recognizer.decode_alone(to_pcm16(audio), at_s, recognition.start_s,
                                             recognition.end_s)
        if again is None:
            return first
        second = self._verdict(again, fitted_db)
        if second.rejected_because is None:
            return replace(second, is_second_listen=True, also_heard=recognition.text)
        return replace(first, also_heard=again.text)

    def _ask_own_words(self, first: Heard) -> Heard:
        """Words the recognizer doubted, decided by the user's own calibration takes when they
        clearly match one allowed command (own_words.py); the gate and the voice lock still judge
        that command as they would the recognizer's. In addressed mode only stop and the safety
        phrases may be taken so: the takes hold no name."""
        profile, recognition = self._profile, first.recognition
        assert first.rejected_because is not None
        if profile is None or recognition.end_s is None or not is_doubt(first.rejected_because):
            return first
        allowed = self._allowed if self.gate.policy.name is None else self._allowed & ALWAYS_HEARD
        if not own_words.may_decide(profile, recognition.text, allowed):
            return first
        match = own_words.nearest(profile, self.audio_of(recognition), allowed, recognition.text)
        if match is None or not match.is_clear:
            return first
        # The takes' rule has decided: the recognizer's doubt is what is overruled.
        taken = replace(recognition, command=match.command, text=match.text, confidence=1.0,
                        is_spotted=False, sound_distance=0.0)
        second = self._verdict(taken)
        if second.rejected_because is not None:
            return first
        return replace(second, also_heard=recognition.text, own_words_distance=match.distance)

    def _voice_rejection(self, recognition: Recognition) -> str | None:
        """The voice lock's refusal of an admitted command; stop and safety pass from anyone."""
        check, command = self._voice_check, recognition.command
        if check is None or command is None or command in ALWAYS_HEARD:
            return None
        if recognition.end_s is None:
            return f"{NOT_YOUR_VOICE}: the recognizer did not say where the words were"
        return check(command, recognition.text, self.audio_of(recognition))

    def audio_of(self, recognition: Recognition) -> np.ndarray:
        """The audio of a recent recognition (float32, 16 kHz, a little padding either side):
        what the voice lock judges and what calibration keeps (empty when not known)."""
        if recognition.end_s is None:
            return np.zeros(0, dtype=np.float32)
        start_s = recognition.end_s - 2.0 if recognition.start_s is None else recognition.start_s
        return self._recent.segment(start_s - SEGMENT_PAD_S, recognition.end_s + SEGMENT_PAD_S)
