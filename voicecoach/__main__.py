"""Lets `python -m voicecoach` behave exactly like the `voicecoach` console script."""

from voicecoach.cli import main

raise SystemExit(main())
