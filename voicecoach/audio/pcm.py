"""PCM audio: the one rate the ears hear at.

(WAV reading and writing, PCM conversion and resampling join this module as the two hand-written
stacks in sim/synth.py and voice/cue_cache.py are replaced.)
"""

from __future__ import annotations

SAMPLE_RATE_HZ = 16_000
"""Every recognizer's acoustic model is trained on 16 kHz mono speech: the microphone is captured,
the played reference kept and the echo cancelled at this rate."""
