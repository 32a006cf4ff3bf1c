"""The load generator of ``python -m bench.api``: a second process driving the service over HTTP.

    python -m bench.api_load PLAN.json      (written by bench.api; prints one JSON line of results)

It only speaks HTTP to the service on 127.0.0.1 (``http.client``, one keep-alive connection per
thread), in three bounded phases, each at most ``seconds`` long:

- ``atp``: ``GET /v1/availability`` for random (item code, location) pairs of the plan, paced at
  ``rate`` requests per second over ``threads`` threads; each request's latency in ms;
- ``intake``: ``POST /v1/events/<source>`` of batches of ``batch`` new events (unique ids, built from
  the plan's templates), as fast as ``threads`` threads can; each batch's latency in ms;
- ``event_to_atp``: for each probe, the pair's ATP is read, one event of the probe posted, and the
  availability polled until its ATP on the plan's first day moves: the ms from the 2xx to that read.

The ids of every acknowledged event (accepted or rejected: logged by the service) are written to
``acknowledged_path``, for the count of events lost once the fold is loaded.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

POLL_TIMEOUT_SECONDS = 5.0


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` (0..1) percentile of ``values`` (nearest rank), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Client:
    """One keep-alive HTTP/1.1 connection to the service, reconnected after an error."""

    def __init__(self, host: str, port: int, token: str):
        self.host, self.port = host, port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Connection": "keep-alive"}
        self.connection = http.client.HTTPConnection(host, port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        """The status, body and latency (ms, from sending to the whole answer read) of one request."""
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=self.headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            return 0, b"", (time.perf_counter() - started) * 1000
        return response.status, data, (time.perf_counter() - started) * 1000


class EventMaker:
    """New events of the plan's templates: unique ids, times in the plan's window, as the mapping writes them."""

    def __init__(self, plan: dict):
        intake = plan["intake"]
        self.by_type: dict[str, list[dict]] = {}
        for template in intake["templates"]:
            self.by_type.setdefault(template["event_type"], []).append(template)
        self.columns = intake["columns"]  # canonical field -> the source system's column
        self.timestamp_format = intake["timestamp_format"]
        self.zone = ZoneInfo(intake["timestamp_zone"])
        self.window_start = datetime.fromisoformat(intake["window_start"])
        self.window_seconds = float(intake["window_seconds"])
        self.prefix = intake["id_prefix"]

    def _time(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime(self.timestamp_format)

    def make(self, tag: str, n: int, template: dict | None = None, event_type: str | None = None, quantity: str | None = None) -> dict:
        template = template or random.choice(self.by_type[random.choice(sorted(self.by_type))])  # each type as often: stock neither drained nor piled up
        happened = self.window_start + timedelta(seconds=random.uniform(0, self.window_seconds))
        canonical = {
            **template,
            "event_id": f"{self.prefix}-{tag}-{n}",
            "event_time": self._time(happened),
            "exported_at": self._time(happened + timedelta(seconds=1)),
        }
        if event_type:
            canonical["event_type"] = event_type
        if quantity:
            canonical["qty"] = quantity
        return {self.columns[name]: value for name, value in canonical.items() if name in self.columns}


# ---- phases ----------------------------------------------------------------------------------


def atp_phase(plan: dict) -> dict:
    settings = plan["atp"]
    deadline = time.perf_counter() + plan["seconds"]
    interval = settings["threads"] / settings["rate"]  # seconds between one thread's requests
    latencies: list[list[float]] = [[] for _ in range(settings["threads"])]
    failures: dict[str, int] = {}
    lock = threading.Lock()

    def work(index: int) -> None:
        client = Client(plan["host"], plan["port"], plan["token"])
        paths = [f"/v1/availability?{urlencode(query)}" for query in settings["queries"]]
        rng = random.Random(index)
        next_at = time.perf_counter() + rng.uniform(0, interval)
        while next_at < deadline and time.perf_counter() < deadline:  # behind the pace, stop at the deadline all the same
            pause = next_at - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status, _, ms = client.request("GET", rng.choice(paths))
            if status == 200:
                latencies[index].append(ms)
            else:
                with lock:
                    failures[str(status)] = failures.get(str(status), 0) + 1
            next_at += interval

    started = time.perf_counter()
    _run_threads(work, settings["threads"])
    seconds = time.perf_counter() - started
    flat = [ms for own in latencies for ms in own]
    return {
        "requests": len(flat),
        "failures": failures,
        "seconds": round(seconds, 2),
        "target_rate": settings["rate"],
        "requests_per_s": len(flat) / seconds,
        "p50_ms": percentile(flat, 0.50),
        "p90_ms": percentile(flat, 0.90),
        "p99_ms": percentile(flat, 0.99),
        "max_ms": max(flat) if flat else None,
    }


def intake_phase(plan: dict, maker: EventMaker, acknowledged: list[str]) -> dict:
    settings = plan["intake"]
    deadline = time.perf_counter() + plan["seconds"]
    latencies: list[float] = []
    counts = {"accepted": 0, "duplicates": 0, "rejected": 0, "failed_requests": 0}
    problems: dict[str, int] = {}
    lock = threading.Lock()
    path = f"/v1/events/{settings['source']}"

    def work(index: int) -> None:
        client = Client(plan["host"], plan["port"], plan["token"])
        n = 0
        while time.perf_counter() < deadline:
            events = [maker.make(f"I{index}", n + i) for i in range(settings["batch"])]
            n += settings["batch"]
            status, data, ms = client.request("POST", path, json.dumps(events).encode())
            with lock:
                if status != 200:
                    counts["failed_requests"] += 1
                    continue
                latencies.append(ms)
                answer = json.loads(data)
                for name in ("accepted", "duplicates", "rejected"):
                    counts[name] += answer[name]
                for result in answer["results"]:
                    if result["status"] in ("accepted", "rejected"):
                        acknowledged.append(events[result["index"]][maker.columns["event_id"]])
                    for problem in result.get("problems") or []:
                        reason = f"{problem.get('rule')}: {problem.get('reason')}"
                        problems[reason] = problems.get(reason, 0) + 1

    started = time.perf_counter()
    _run_threads(work, settings["threads"])
    seconds = time.perf_counter() - started
    events = counts["accepted"] + counts["duplicates"] + counts["rejected"]
    return {
        **counts,
        "batches": len(latencies),
        "batch_size": settings["batch"],
        "seconds": round(seconds, 2),
        "events_per_s": events / seconds,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies) if latencies else None,
        "problems": dict(sorted(problems.items(), key=lambda kv: -kv[1])[:5]),
    }


def _first_day(client: Client, query: dict) -> tuple[float, int] | None:
    """The ATP of the pair on the query's first day and its count of movements."""
    status, data, _ = client.request("GET", f"/v1/availability?{urlencode(query)}")
    if status != 200:
        return None
    location = json.loads(data)["locations"][0]
    return location["atp"][0], location["movements"]


def event_to_atp_phase(plan: dict, maker: EventMaker, acknowledged: list[str]) -> dict:
    """For each probe, a candidate pair with ATP left on the plan's first day gets one SHIP of one
    unit; the availability is read until that ATP drops: the ms from the 2xx to that read."""
    settings = plan["event_to_atp"]
    client = Client(plan["host"], plan["port"], plan["token"])
    path = f"/v1/events/{plan['intake']['source']}"
    candidates = iter(settings["candidates"])
    waits, unmoved, skipped = [], [], 0
    for n in range(settings["probes"]):
        for candidate in candidates:
            before = _first_day(client, candidate["query"])
            if before is not None and before[0] >= 1:
                break
            skipped += 1  # nothing left to ship there: a SHIP would not move its ATP (floored at 0)
        else:
            break
        event = maker.make("P", n, template=candidate["template"])
        status, data, _ = client.request("POST", path, json.dumps([event]).encode())
        posted = time.perf_counter()
        if status != 200 or json.loads(data)["accepted"] != 1:
            unmoved.append({"probe": n, "status": status, "answer": data[:300].decode(errors="replace")})
            continue
        acknowledged.append(event[maker.columns["event_id"]])
        while True:
            now = _first_day(client, candidate["query"])
            elapsed = (time.perf_counter() - posted) * 1000
            if now is not None and now[0] < before[0]:
                waits.append(elapsed)
                break
            if elapsed > POLL_TIMEOUT_SECONDS * 1000:
                unmoved.append({"probe": n, "atp_before": before[0], "atp_after": now and now[0], "movements": [before[1], now and now[1]]})
                break
    return {
        "probes": settings["probes"],
        "reflected": len(waits),
        "median_ms": statistics.median(waits) if waits else None,
        "ms": waits,
        "unmoved": unmoved,
        "pairs_without_atp_skipped": skipped,
    }


def _run_threads(work, count: int) -> None:
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(plan: dict) -> dict:
    maker = EventMaker(plan)
    acknowledged: list[str] = []
    phases = {}
    for name, phase in (
        ("atp", lambda: atp_phase(plan)),
        ("intake", lambda: intake_phase(plan, maker, acknowledged)),
        ("event_to_atp", lambda: event_to_atp_phase(plan, maker, acknowledged)),
    ):
        started = datetime.now(UTC)
        phases[name] = phase() | {"started": started.isoformat(), "ended": datetime.now(UTC).isoformat()}
    with open(plan["acknowledged_path"], "w", encoding="utf-8") as out:
        json.dump(acknowledged, out)
    return phases


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m bench.api_load PLAN.json")
    with open(argv[0], encoding="utf-8") as source:
        plan = json.load(source)
    print(json.dumps(run(plan)))


if __name__ == "__main__":
    main(sys.argv[1:])
