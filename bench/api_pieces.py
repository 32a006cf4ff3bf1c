"""Where a request's time goes, without HTTP: the service's pieces timed in one process.

    python -m bench.api_pieces --home .planline-bench-api-demo [--batches 10] [--reads 2000]

On a home holding a published plan (the one ``python -m bench.api`` used), the service's live
state is loaded as the service loads it (``service.state.LiveState``), with its intake log in a
temporary folder (the home's own log is left alone), and timed piece by piece (ms, median and p99):

- an availability read: the book's answer (``LiveState.availability``), then its JSON encoding
  as FastAPI encodes a route's dict (``jsonable_encoder`` + ``json.dumps``);
- an intake batch of the bench's events: the door's check, the log's append (fsynced), the
  door's remember, the book's apply, and the answer's encoding.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.api import build_workload, load_plan
from bench.api_load import EventMaker, percentile
from bench.incremental import environment


def _timed(samples: dict[str, list[float]], name: str, call):
    started = time.perf_counter()
    value = call()
    samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    return value


def measure(home: Path, batches: int, reads: int, batch: int, seed: int) -> dict[str, list[float]]:
    from datetime import UTC, datetime

    from fastapi.encoders import jsonable_encoder

    from service.config import load_service_settings
    from service.state import LiveState

    workload = build_workload(home, seed)
    plan = load_plan(workload, 0, "", argparse.Namespace(seconds=0, atp_rate=1, atp_threads=1, batch=batch, intake_threads=1, probes=0), Path("/dev/null"))
    maker = EventMaker(plan)
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="planline_api_pieces_") as intake:
        settings = load_service_settings({**environment(home), "PLANLINE_INTAKE_DIR": intake, "PLANLINE_SERVICE_TOKEN": "pieces"})
        state = LiveState(settings)
        _timed(samples, "state load (door + book, once)", lambda: state.start(background=False))
        rng = random.Random(seed)
        for _ in range(reads):
            query = rng.choice(workload.queries)
            day = datetime.fromisoformat(query["from"]).date(), datetime.fromisoformat(query["to"]).date()
            answer = _timed(samples, "availability: book answer", lambda q=query, d=day: state.availability(q["item"], q["location"], None, d[0], d[1]))
            _timed(samples, "availability: JSON encoding", lambda a=answer: json.dumps(jsonable_encoder(a)).encode())
        source = plan["intake"]["source"]
        for n in range(batches):
            events = [maker.make("X", n * batch + i) for i in range(batch)]
            result = _timed(samples, "intake: door.check", lambda e=events: state.door.check(source, e))
            received = datetime.now(UTC).isoformat()
            records = [
                {"key": list(result.verdicts[i].key.values()), "received_at": received, "status": result.verdicts[i].status, "event": events[i]}
                for i in result.to_log
            ]
            _timed(samples, "intake: log.append (fsync)", lambda r=records: state.log.append(source, r))
            _timed(samples, "intake: door.remember", lambda r=result: state.door.remember(source, r))
            _timed(samples, "intake: book.apply", lambda r=result: state.book.apply(r.movements))
            _timed(samples, "intake: answer encoding", lambda r=result: json.dumps(jsonable_encoder([v.as_dict() for v in r.verdicts])).encode())
        state.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", required=True)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    samples = measure(Path(args.home).resolve(), args.batches, args.reads, args.batch, args.seed)
    width = max(len(name) for name in samples)
    print(f"{'piece':{width}s}  {'n':>5s}  {'median ms':>10s}  {'p99 ms':>10s}")
    for name, values in samples.items():
        print(f"{name:{width}s}  {len(values):5d}  {statistics.median(values):10.3f}  {percentile(values, 0.99):10.3f}")


if __name__ == "__main__":
    main()
