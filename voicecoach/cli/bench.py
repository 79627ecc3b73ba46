"""`voicecoach bench`: the voice-control benchmark, the same script as benchmarks/voice_control.py."""

from __future__ import annotations

import argparse
import importlib.util
import sys

from voicecoach.errors import UsageError
from voicecoach.files import paths

BENCHMARK = paths.PROJECT_ROOT / "benchmarks" / "voice_control.py"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `bench`; everything after it is passed to the benchmark (see `bench -- --help`)."""
    p = subparsers.add_parser(
        "bench", help="measure command recognition: acceptance in noise, false accepts, latency",
        description="Run the voice-control benchmark (benchmarks/voice_control.py): a command "
        "corpus synthesized on this machine, every available recognizer side by side, a "
        "markdown table on stdout and JSON in benchmarks/results/. Options after `--` go to "
        "the benchmark, e.g. `voicecoach bench -- --quick`.",
    )
    p.add_argument("bench_args", nargs=argparse.REMAINDER, metavar="-- OPTIONS",
                   help="options for the benchmark (try `-- --help`)")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """Load the benchmark script from the source tree and run its main()."""
    if not BENCHMARK.is_file():
        raise UsageError(f"{BENCHMARK} is missing; `voicecoach bench` runs from a source checkout")
    spec = importlib.util.spec_from_file_location("voice_control_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    forwarded = [a for a in args.bench_args if a != "--"]
    return int(module.main(forwarded) or 0)
