"""The coach's own voice in the microphone: what was played, and cancelling its echo."""
