"""The coach's voice: text to speech, cached cue audio, the mixer and the sound card stream."""
