"""The synthetic world: a fake clock, a fake person and a fake microphone driving the real session."""
