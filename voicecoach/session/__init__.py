"""The workout itself: the pure state machine, its wording, and the one loop that runs it."""
