"""Recognizer backends: one module per speech library, each behind `ears.base.Recognizer`."""
