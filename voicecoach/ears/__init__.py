"""Hearing commands: audio capture, recognizer backends and the gate against the coach's own voice."""
