"""Sealed intake segments into the landing folder, as files their source's mapping reads.

A sealed segment's events (accepted and rejected alike: the loader harmonizes the first and
quarantines the second, so that acknowledged events = rows harmonized + rows quarantined) become
one file per combination of path values (a till mapping's store folder), in the mapping's format
(``encoding.encode_events``), under a name its ``files`` glob and ``path_values`` accept
(``landing_name``). A file is written outside what the landing listing reads (the intake folder's
``staging/``, or a hidden name beside its target when that is another file system), fsynced, then
renamed into place: the loader never sees half a file, nor a name no source claims. The fold is
recorded in the intake folder's segment index; folding a segment again writes the same names and
bytes, which the loader skips (same file, same hash) even after it moved them to its processed folder.

Plain Python: ``fold_pending`` is what a Dagster sensor (or a cron) calls.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import os
import re
import stat
import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from data_contracts.company.apply import path_values as values_of_path
from data_contracts.company.mapping import SourceMapping
from orchestration.ingestion.listing import UPLOAD_SUFFIXES, sources_of
from service.intake.encoding import encode_events, value_text
from service.intake.log import (
    IntakeLog,
    IntakeLogLocked,
    append_index,
    fsync_folder,
    read_segment,
    segment_id_of,
    unfolded_segments,
    utc_text,
)

STAGING_FOLDER = "staging"
FOLD_LOCK = ".fold.lock"
# The path value of events whose own value cannot be a folder or file name (empty, a '/' in it):
# their file's name says so, and the loader quarantines them (a required field, or wrong_file).
UNASSIGNED = "intake-unassigned"
_WILDCARD = re.compile(r"(\*|\?|\[[^\]]*\])")
_FILLERS = string.digits + string.ascii_letters


class FoldError(Exception):
    """Segments that could not be folded (the others were): the message names each and why."""

    def __init__(self, problems: list[str], folded: list[FoldedFile]):
        self.problems, self.folded = problems, folded
        super().__init__("intake fold: " + "; ".join(problems))


@dataclass(frozen=True)
class FoldedFile:
    """A file the fold wrote: ``relative`` to the landing folder, its events (rows) and SHA-256."""

    source: str
    segment_id: str
    relative: str
    path: Path
    events: int
    sha256: str


def _intake_id(segment_id: str) -> str:
    return f"intake-{segment_id}"


def _fills(token: str, values: list[str], segment_id: str) -> list[str]:
    """What may stand for one wildcard of the glob: a path value, or the segment's own id."""
    if token == "*":
        return [*values, _intake_id(segment_id)]
    singles = [v for v in values if len(v) == 1] + list(_FILLERS)
    return list(dict.fromkeys(c for c in singles if fnmatchcase(c, token)))[:4]


def _listed(relative: str) -> bool:
    """Does the landing listing read this name (not hidden, not an upload in progress)?"""
    name = PurePosixPath(relative).name
    return not name.startswith(".") and not name.lower().endswith(UPLOAD_SUFFIXES)


def landing_name(mapping: SourceMapping, segment_id: str, path_values: dict[str, str], company_mappings: Iterable[SourceMapping] = ()) -> str:
    """A path relative to the landing folder for the segment's file of ``path_values`` (field ->
    value, one per ``mapping.path_values``): one the listing's matcher gives to ``mapping``'s
    source (and to no other mapping of ``company_mappings`` when a name can avoid it), each
    path_values regex reads its value from, holding the segment's id. Each wildcard of the glob is
    filled with a path value or ``intake-<segment_id>``; the first name that fits wins. Raises
    ValueError naming the source, its glob and path_values when none fits."""
    missing = sorted(set(mapping.path_values) - set(path_values))
    if missing:
        raise ValueError(f"source {mapping.source}: no value for the path field(s) {', '.join(missing)} of its mapping's path_values")
    tokens = _WILDCARD.split(mapping.files)
    wildcards = tokens[1::2]
    values = list(dict.fromkeys(path_values.values()))
    others = [m for m in company_mappings if m.source != mapping.source]
    fitting = []
    for choice in itertools.product(*(_fills(w, values, segment_id) for w in wildcards)):
        relative = "".join(t if i % 2 == 0 else choice[i // 2] for i, t in enumerate(tokens))
        if (
            segment_id in relative
            and _listed(relative)
            and mapping.source in sources_of([mapping], relative)
            and values_of_path(mapping, relative) == {k: path_values[k] for k in mapping.path_values}
        ):
            if not sources_of(others, relative):
                return relative
            fitting.append(relative)
    if fitting:  # every fitting name is also another source's: that source loads it too, as a delivered file
        return fitting[0]
    raise ValueError(
        f"source {mapping.source}: no file name for its intake fits its mapping's files glob {mapping.files!r} "
        f"and path_values {mapping.path_values} (values {path_values}): the glob needs a '*' the segment id can fill, "
        "and each path_values regex must read its value from the name; change the mapping to take events"
    )


def _path_column(mapping: SourceMapping, field: str) -> str:
    spec = mapping.field_source(field)
    if spec is None:
        raise ValueError(
            f"source {mapping.source}: its mapping's path_values give field {field!r}, which no column of an event carries: "
            "map the field to a column to take events"
        )
    return spec.column


def _usable(value: str | None) -> bool:
    return bool(value) and "/" not in value and "\x00" not in value and not value.startswith(".") and len(value) <= 100 and value.isprintable()


def _groups(events: list[dict], mapping: SourceMapping, segment_id: str, company_mappings) -> dict[str, list[dict]]:
    """Landing name -> the events of that file, in the segment's order."""
    columns = {field: _path_column(mapping, field) for field in mapping.path_values}
    groups: dict[str, list[dict]] = {}
    names: dict[tuple, str] = {}
    for event in events:
        given = tuple((field, value_text(event.get(column))) for field, column in columns.items())
        if given not in names:
            wanted = {field: value if _usable(value) else UNASSIGNED for field, value in given}
            try:
                names[given] = landing_name(mapping, segment_id, wanted, company_mappings)
            except ValueError as error:  # a value the glob or a regex does not take: the unassigned file
                unassigned = dict.fromkeys(columns, UNASSIGNED)
                if wanted == unassigned:
                    raise
                try:
                    names[given] = landing_name(mapping, segment_id, unassigned, company_mappings)
                except ValueError:
                    raise error from None
        groups.setdefault(names[given], []).append(event)
    return groups


def _target_folder(landing: Path, relative: str) -> Path:
    """The folder of ``relative`` in the landing folder, created, never through a link."""
    landing.mkdir(parents=True, exist_ok=True)
    folder = landing
    for part in PurePosixPath(relative).parent.parts:
        folder = folder / part
        try:
            info = folder.lstat()
        except FileNotFoundError:
            folder.mkdir()
            fsync_folder(folder.parent)
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise ValueError(f"{folder}: not a folder (a link or a file): the intake does not write through it")
    return folder


def _write_atomically(data: bytes, target: Path, staging: Path) -> None:
    """``data`` at ``target`` whole or not at all: written and fsynced outside the listing, then renamed."""
    folder = target.parent
    staging.mkdir(parents=True, exist_ok=True)
    if staging.stat().st_dev != folder.stat().st_dev:  # another file system: a hidden name beside the target
        staging = folder
    temporary = staging / f".{target.name}.{os.getpid()}.intake"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, target)
    fsync_folder(folder)


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(path.lstat().st_mode) else None
    except FileNotFoundError:
        return None


def fold_segment(
    segment: Path,
    mapping: SourceMapping,
    landing: Path,
    *,
    intake_folder: Path | None = None,
    company_mappings: Iterable[SourceMapping] = (),
    now: datetime | None = None,
) -> list[FoldedFile]:
    """Write a sealed segment's events into ``landing`` as files of ``mapping``'s format (one per
    combination of path values), atomically, and record the fold in the intake folder's index
    (``intake_folder``: by default the segment's, ``<folder>/log/<source>/<segment>.jsonl``).
    Folding the same segment again writes the same names and bytes."""
    if segment.name.endswith(".open.jsonl"):
        raise ValueError(f"{segment}: an open segment: only sealed segments are folded")
    folder = Path(intake_folder) if intake_folder is not None else segment.parents[2]
    segment_id = segment_id_of(segment)
    company_mappings = list(company_mappings)
    events = [record["event"] for record in read_segment(segment)]
    folded = []
    for relative, group in _groups(events, mapping, segment_id, company_mappings).items():
        data = encode_events(group, mapping)
        sha = hashlib.sha256(data).hexdigest()
        target = _target_folder(Path(landing), relative) / PurePosixPath(relative).name
        if _sha(target) != sha:
            _write_atomically(data, target, folder / STAGING_FOLDER)
        folded.append(FoldedFile(mapping.source, segment_id, relative, target, len(group), sha))
    entry = {
        "kind": "folded",
        "source": mapping.source,
        "segment_id": segment_id,
        "files": [{"path": f.relative, "events": f.events, "sha256": f.sha256} for f in folded],
        "folded_at": utc_text(now or datetime.now(UTC)),
    }
    append_index(folder, [entry])
    return folded


@contextmanager
def _fold_locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / FOLD_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def fold_pending(folder: Path, mappings: dict[str, SourceMapping], landing: Path, now: datetime | None = None) -> list[FoldedFile]:
    """Fold every sealed segment not folded yet of the sources in ``mappings`` into ``landing``.

    With no service running (the writer lock is free), the segments it left open are recovered
    and sealed first; else only the sealed ones are folded. One fold at a time per intake folder.
    A segment that cannot be folded does not stop the others: FoldError names each (its
    ``folded`` lists what was written)."""
    folder = Path(folder)
    folded: list[FoldedFile] = []
    problems: list[str] = []
    with _fold_locked(folder):
        for stale in (folder / STAGING_FOLDER).glob(".*.intake"):  # a killed fold's: no other fold runs
            stale.unlink(missing_ok=True)
        log = IntakeLog(folder)
        try:
            log.open(now=now)
        except IntakeLogLocked:
            pass  # the service is running: it seals its own segments
        else:
            log.close(now=now)
        for source, segment_id, path in unfolded_segments(folder):
            mapping = mappings.get(source)
            if mapping is None:
                continue  # a source the company no longer maps: its segments wait (status shows them)
            try:
                folded += fold_segment(path, mapping, landing, intake_folder=folder, company_mappings=mappings.values(), now=now)
            except (ValueError, OSError) as error:
                problems.append(f"{source} segment {segment_id}: {error}")
    if problems:
        raise FoldError(problems, folded)
    return folded
