"""What the user sees of a workout: the terminal panel and the JSONL timeline."""
