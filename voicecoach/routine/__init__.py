"""Routines: the validated, immutable model of a workout and its tempo notation."""
