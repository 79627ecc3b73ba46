"""Workout history: what was done, kept in SQLite, and what to change next time."""
