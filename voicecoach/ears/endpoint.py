"""Where utterances begin and end: runs of speech frames, as a SpeechDetector judges them.

pocketsphinx's own endpointer (WebRTC's VAD) does not close utterances in steady noise (measured
on synthetic commands: at 5 dB SNR of white or pink noise it stayed "in speech" through every
clip, at 10 dB through most). The detector (ears/voice_activity.py: Silero VAD, or loudness over
an adaptive floor) says which frames are speech; this module turns those frames into utterances
with padding, early offers and a cap on length, the same for every detector.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.ears.base import Recognition
from voicecoach.ears.voice_activity import FRAME_S, FRAME_SAMPLES, SpeechDetector, open_speech_detector

DIP_DB = 10.0
"""Loudness this far below an utterance's peak is no longer its words (for early offers only)."""


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech: its audio (with padding) and where it sits in the stream."""

    pcm: bytes
    start_s: float
    end_s: float
    """Audio time of the end of the last loud frame."""

    @property
    def duration_s(self) -> float:
        """Length of the speech itself (without padding)."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class EarlyOffers:
    """When an open utterance is offered to `answer` before its end silence has passed.

    After `quiet_s` of quiet, or `dip_s` of loudness DIP_DB under its words, an utterance no
    longer than `max_s` is offered; if `answer` takes it, it is done (not cut out again).
    A dip needs longer: within running speech, syllables dip too ("keep" came out "Skip.").
    An utterance that is longer only because quieter speech came before its words (other people
    talking keep the detector in speech) is offered from its loud core on.
    """

    quiet_s: float
    dip_s: float
    max_s: float
    answer: Callable[[Utterance], bool]


class Endpointer:
    """Cuts a 16-bit PCM stream into utterances: runs of frames the detector calls speech."""

    def __init__(
        self,
        detector: SpeechDetector | None = None,
        end_silence_s: float = 0.2,
        pad_s: float = 0.2,
        max_s: float = 2.5,
        early: EarlyOffers | None = None,
    ) -> None:
        """`detector` None: Silero when it loads, else loudness (`detector_note` says why)."""
        self.detector_note: str | None = None
        if detector is None:
            detector, self.detector_note = open_speech_detector()
        self.detector = detector
        self._early = early
        self._end_frames = round(end_silence_s / FRAME_S)
        self._pad_frames = round(pad_s / FRAME_S)
        self._max_frames = round(max_s / FRAME_S)
        self._origin_s = 0.0  # stream time where the current stream's frame 0 begins
        self._begin_stream()

    def _begin_stream(self) -> None:
        """Forget everything heard: the next audio is judged as if the Endpointer were new.

        Nothing of one stream may shape the next (the noise floor, a partial frame, padding taken
        from the history, waiting for quiet): otherwise the same recording cut differently
        depending on what was decoded before it.
        """
        self._offered_at = -1  # the loud frame the latest early offer ended at
        self._pending = np.zeros(0, dtype=np.int16)
        # Frames kept: padding before + longest utterance + trailing silence and padding.
        keep = self._pad_frames + self._max_frames + self._end_frames + self._pad_frames + 4
        self._history: deque[np.ndarray] = deque(maxlen=keep)
        self._energies_db: deque[float] = deque(maxlen=keep)  # of the frames in the history
        self._frame_index = 0
        self._start: int | None = None
        self._last_loud = 0
        self._last_strong = 0  # the last frame near the open utterance's peak loudness
        self._peak_db = 0.0
        self._loud_run: deque[bool] = deque(maxlen=5)
        self._powers: deque[float] = deque(maxlen=3)
        self._is_waiting_for_quiet = False
        self.detector.reset()

    @property
    def in_speech(self) -> bool:
        """Whether an utterance is open."""
        return self._start is not None

    def process(self, pcm: bytes) -> list[Utterance | None]:
        """Feed audio; one entry per utterance that ended: its audio, or None if overlong."""
        samples = np.concatenate([self._pending, np.frombuffer(pcm, dtype="<i2")])
        n_frames = len(samples) // FRAME_SAMPLES
        self._pending = samples[n_frames * FRAME_SAMPLES :]
        done: list[Utterance | None] = []
        for i in range(n_frames):
            ended = self._frame(samples[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])
            if ended is not False:
                done.append(ended)
        return done

    def close(self) -> list[Utterance | None]:
        """End of stream: the open utterance, if any, ends here; audio fed after this is a new
        stream (its times go on from the samples fed so far)."""
        ended = [] if self._start is None else [self._cut()]
        self._origin_s += (self._frame_index * FRAME_SAMPLES + len(self._pending)) / SAMPLE_RATE_HZ
        self._begin_stream()
        return ended

    def _frame(self, frame: np.ndarray) -> Utterance | bool | None:
        """Process one frame: False, the utterance that just ended, or None if it ran overlong."""
        self._history.append(frame)
        self._frame_index += 1
        # Energy over the last 90 ms: single 30 ms frames of pink or breathing noise jump by
        # several dB and would open utterances all the time.
        self._powers.append(float(np.mean(frame.astype(np.float64) ** 2)))
        energy_db = 10.0 * np.log10(np.mean(self._powers) + 1.0)
        self._energies_db.append(energy_db)
        is_loud = self.detector.is_speech(frame, energy_db, self._start is not None)
        self._loud_run.append(is_loud)
        if is_loud:
            self._last_loud = self._frame_index
        if self._start is not None:
            self._peak_db = max(self._peak_db, energy_db)
            if is_loud and energy_db >= self._peak_db - DIP_DB:
                self._last_strong = self._frame_index
        if self._is_waiting_for_quiet:
            # After an overlong stretch, only a real pause may open the next utterance:
            # otherwise a long sentence would be cut into command-sized pieces.
            self._is_waiting_for_quiet = self._frame_index - self._last_loud < self._end_frames
            return False
        if self._start is None:
            if sum(self._loud_run) >= 3:
                first_loud = list(self._loud_run).index(True)
                self._start = max(1, self._frame_index - len(self._loud_run) + 1 + first_loud
                                  - self.detector.onset_lag_frames)
                self._peak_db, self._last_strong = energy_db, self._frame_index
            return False
        if self._frame_index - self._last_loud >= self._end_frames:
            return self._cut()
        # Early offers come after quiet, or after a dip well below the words (a breath drawn
        # right after a command keeps the utterance open, but it is no command's loud core).
        early = self._early
        if early is not None and self._offered_at != self._last_strong and (
                self._frame_index - self._last_loud == round(early.quiet_s / FRAME_S)
                or self._frame_index - self._last_strong == round(early.dip_s / FRAME_S)):
            self._offered_at = self._last_strong
            first = self._start
            if (self._last_strong - first + 1) * FRAME_S > early.max_s:
                first = self._core_start()
            if (self._last_strong - first + 1) * FRAME_S <= early.max_s and early.answer(
                    self._slice(first, self._last_strong)):
                # Answered: what follows belongs to it until a real pause.
                self._start = None
                self._loud_run.clear()
                self._is_waiting_for_quiet = True
                return False
        if self._frame_index - self._start >= self._max_frames:
            # Loud for longer than any command: speech that is no command, or a new, louder
            # background (by now most of the floor window, so the floor has risen to it).
            self._start = None
            self._loud_run.clear()
            self._is_waiting_for_quiet = True
            return None
        return False

    def _core_start(self) -> int:
        """The first frame of the open utterance within DIP_DB of its peak loudness: where the
        loudest voice's words begin. Babble at 10 dB under a command kept the detector in speech
        from the noise's start, and the command waited for the stream to fall quiet (1.4-2 s
        after its words in the benchmark, never in a room where the talk goes on)."""
        assert self._start is not None
        oldest = self._frame_index - len(self._energies_db) + 1
        for index in range(max(self._start, oldest), self._last_strong + 1):
            if self._energies_db[index - oldest] >= self._peak_db - DIP_DB:
                return index
        return self._start

    def _cut(self) -> Utterance:
        """Close the open utterance and slice its audio (with padding) out of the history."""
        assert self._start is not None
        start, self._start = self._start, None
        self._loud_run.clear()
        return self._slice(start, self._last_loud)

    def _slice(self, start: int, last: int) -> Utterance:
        """The audio from frame `start` to frame `last`, with padding as far as it is heard yet."""
        oldest = self._frame_index - len(self._history) + 1
        first = max(start - self._pad_frames, oldest)
        stop = min(last + self._pad_frames, self._frame_index)
        frames = list(self._history)[first - oldest : stop - oldest + 1]
        pcm = np.concatenate(frames).astype("<i2").tobytes()
        return Utterance(pcm, self._origin_s + (start - 1) * FRAME_S, self._origin_s + last * FRAME_S)


class EndpointedRecognizer(ABC):
    """A streaming Recognizer built from a decoder of whole utterances.

    Backends that cannot decode a stream incrementally (pocketsphinx with rejection, Whisper) let
    the Endpointer cut the stream and only say what one utterance was.
    """

    name: str

    def __init__(self, end_silence_s: float, max_s: float, pad_s: float = 0.2,
                 early: tuple[float, float, float] | None = None,
                 detector: SpeechDetector | None = None) -> None:
        """`early` = (quiet_s, dip_s, max_s) of EarlyOffers: results the backend `is_sure` of
        are given then, without waiting out `end_silence_s`. `detector` None: the best one."""
        offers = None if early is None else EarlyOffers(*early, answer=self._answer_early)
        self._endpointer = Endpointer(detector, end_silence_s=end_silence_s, pad_s=pad_s,
                                      max_s=max_s, early=offers)
        self._answered: list[Recognition] = []

    def accept(self, pcm: bytes) -> list[Recognition]:
        """Feed audio; returns a result for each utterance that ended (or was answered) within it."""
        ended = self._endpointer.process(pcm)
        answered, self._answered = self._answered, []
        return answered + self._results(ended)

    def is_sure(self, recognition: Recognition) -> bool:
        """Whether a result decoded before the utterance's end silence may stand (never, unless
        a backend knows better)."""
        return False

    def _answer_early(self, utterance: Utterance) -> bool:
        recognition = self.recognize(utterance)
        if recognition is None or not self.is_sure(recognition):
            return False
        self._answered.append(recognition)
        return True

    def flush(self) -> list[Recognition]:
        """End of stream: decide on the utterance still open, if any. What is fed next is judged
        as a new stream, whatever this one held."""
        return self._results(self._endpointer.close())

    def decode_alone(self, pcm: bytes, at_s: float, start_s: float, end_s: float
                     ) -> Recognition | None:
        """One stretch of audio decoded apart from the stream (Recognizer.decode_alone)."""
        return self.recognize(Utterance(pcm, start_s, end_s))

    def _results(self, utterances: list[Utterance | None]) -> list[Recognition]:
        results = []
        for utterance in utterances:
            if utterance is None:  # longer than any command: rejected without decoding
                results.append(Recognition(None, "", 0.0, self.name))
                continue
            recognition = self.recognize(utterance)
            if recognition is not None:
                results.append(recognition)
        return results

    @abstractmethod
    def recognize(self, utterance: Utterance) -> Recognition | None:
        """What one utterance was (None when there is nothing to report, e.g. no words)."""
