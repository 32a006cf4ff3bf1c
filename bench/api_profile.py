"""The service with every thread profiled, for ``python -m bench.api`` when a target is missed.

    PLANLINE_BENCH_PROFILE=/tmp/service.prof python -m bench.api --scale tiny
    python -m bench.api_profile --show /tmp/service.prof [N]

``python -m bench.api_profile OUT`` runs ``python -m service`` with a cProfile profiler in each
thread (the event loop's and the worker threads' that run the intake and the availability
routes); when the service stops, their statistics are merged into OUT (pstats format). cProfile
slows every Python call: read the shares, not the absolute times.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading

_PROFILES: list[cProfile.Profile] = []
_LOCK = threading.Lock()


def _profile_threads() -> None:
    """Every thread started from now on runs under its own profiler (anyio's worker threads
    override ``Thread.run``: the hook is the thread's first profile event, not its ``run``)."""

    def start(frame, event, arg) -> None:
        profile = cProfile.Profile()
        with _LOCK:
            _PROFILES.append(profile)
        profile.enable()  # replaces this hook in this thread

    threading.setprofile(start)


def serve_profiled(out: str) -> None:
    from service.__main__ import main as service

    _profile_threads()
    main = cProfile.Profile()
    main.enable()
    try:
        service([])
    finally:
        main.disable()
        stats = pstats.Stats(main)
        with _LOCK:
            for profile in _PROFILES:
                try:
                    stats.add(profile)
                except (TypeError, ValueError):  # a profiler with nothing recorded
                    continue
        stats.dump_stats(out)
        print(f"profile of the service's threads written to {out}", file=sys.stderr, flush=True)


def show(path: str, lines: int = 30) -> None:
    """The functions taking the most time, by own time then by cumulative time."""
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "--show":
        show(argv[1], int(argv[2]) if len(argv) > 2 else 30)
    elif len(argv) == 1:
        serve_profiled(argv[0])
    else:
        sys.exit("usage: python -m bench.api_profile OUT | --show OUT [N]")


if __name__ == "__main__":
    main(sys.argv[1:])
