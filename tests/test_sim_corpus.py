"""The benchmark corpus: disjoint tune/test speakers, every phrase x speaker x condition, stretches."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.commands import Command
from voicecoach.sim import corpus
from voicecoach.sim.synth import Noise

PHRASES = {Command.PAUSE: ["pause", "wait"], Command.WHATS_NEXT: ["What's next?"]}


def test_tune_and_test_speakers_never_share_a_voice() -> None:
    tune = corpus.speakers(40, "tune")
    test = corpus.speakers(40, "test")
    assert not {s.voice for s in tune} & {s.voice for s in test}
    assert len({s.voice for s in test}) == 40
    assert corpus.speakers(5, "test", seed=3) == corpus.speakers(5, "test", seed=3)


def test_a_few_speakers_already_cover_several_accents_speeds_and_pitches() -> None:
    chosen = corpus.speakers(6, "test")
    assert len({s.voice.split("+")[0] for s in chosen}) == 6
    assert len({s.speed_wpm for s in chosen}) > 1
    assert len({s.pitch for s in chosen}) > 1


def test_conditions_are_clean_plus_every_noise_at_every_snr() -> None:
    conds = corpus.conditions()
    assert conds[0] == corpus.CLEAN
    assert len(conds) == 1 + len(Noise) * len(corpus.SNRS_DB)
    assert {c.label for c in conds} >= {"clean", "white@20dB", "pink@10dB", "breath@5dB"}


def test_command_clips_cover_every_phrase_speaker_and_condition() -> None:
    voices = corpus.speakers(2, "test")
    conds = [corpus.CLEAN, corpus.Condition(Noise.PINK, 10.0)]
    clips = list(corpus.command_clips(PHRASES, voices, conds))
    assert len(clips) == 3 * 2 * 2
    assert {(c.text, c.command) for c in clips} == {
        ("pause", Command.PAUSE), ("wait", Command.PAUSE), ("what's next", Command.WHATS_NEXT)}
    clean, noisy = clips[0], clips[1]
    assert clean.speaker == noisy.speaker and clean.condition.label == "clean"
    assert len(clean.samples) == len(noisy.samples)
    assert not np.array_equal(clean.samples, noisy.samples)
    for clip in clips:
        duration_s = len(clip.samples) / SAMPLE_RATE_HZ
        # Leading silence of 0.3-1.0 s, then speech, then the fixed tail.
        assert 0.3 < clip.speech_end_s <= duration_s - corpus.TAIL_S + 1e-9
        assert not clean.samples[: int(0.3 * SAMPLE_RATE_HZ)].any()


def test_stretches_lay_clips_end_to_end_and_noise_has_its_level() -> None:
    clips = list(corpus.phrase_clips(["hello there", "good morning"], corpus.speakers(2)))
    assert [c.command for c in clips] == [None, None]
    long = corpus.stretch(clips, gap_s=0.5)
    assert len(long) == sum(len(c.samples) for c in clips) + SAMPLE_RATE_HZ
    noise = corpus.noise_stretch(Noise.WHITE, 2.0, 0.05)
    assert len(noise) == 2 * SAMPLE_RATE_HZ
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(0.05, rel=0.02)


def test_prose_splits_into_sentences_and_cues_are_deduplicated() -> None:
    text = "Lie on your back. Lift one leg slowly; keep the other bent! Breathe."
    assert corpus.sentences(text) == [
        "Lie on your back.", "Lift one leg slowly;", "keep the other bent!", "Breathe."]
    assert corpus.cue_texts(["Lift.", "Lift.", " ", "Lower."]) == ["Lift.", "Lower."]
