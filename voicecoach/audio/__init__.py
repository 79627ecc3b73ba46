"""The sound card: one door to sounddevice and ALSA's own messages kept off the terminal."""
