"""The landing folder as it is: its entries listed without following a link, each matched to the
source whose file pattern claims it, and a regular file read only when it is the one listed.

A source's files match its pattern with the extension in any case (``.CSV``). Names starting with a
dot or ending in a transfer tool's suffix (``.part``, ``.filepart``, ``.tmp``: uploads in progress)
are left alone. An entry that is a link, a device, pipe or socket, has a name that is not valid
UTF-8, or that no source claims carries the reason it is refused (``LandingEntry.refusal``);
folders that cannot be listed are returned with their error.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from data_contracts.model import Contract

SYMLINK_REFUSED = "symbolic link: not followed (a link is never read, wherever it points): deliver the file itself"
NOT_A_FILE = "not a regular file (a device, pipe or socket): deliver the file itself"
NO_SOURCE = "no source matches this file name"
BAD_NAME = "the file name is not valid UTF-8: rename it"
# The source recorded for a rejected file no source's pattern matches.
NO_SOURCE_NAME = "(no source)"
# Names transfer tools give a file while it is being written (WinSCP, curl, browsers, rsync-like).
UPLOAD_SUFFIXES = (".part", ".filepart", ".tmp", ".crdownload", ".partial")


@dataclass(frozen=True)
class LandingEntry:
    """A file, link or other entry of the landing folder, never resolved.

    Attributes:
        relative: path relative to the landing folder (POSIX), the bytes of a name that are not
            UTF-8 shown escaped (``\\xe9``): the name every record and message gives.
        path: its path in the landing folder (a link's own path, not its target).
        source: the first source whose file pattern the name matches (None: none does).
        sources: every source whose pattern matches: one delivered file may feed several tables
            (items and stores drawn from a sales file); it leaves the landing folder once each has loaded it.
        kind: ``file`` (a regular file), ``link`` (a symbolic link, to a file or a folder) or
            ``other`` (a device, pipe or socket: never opened).
        parts: the path's components below the landing folder, as the file system gives them.
        inode: (device, inode) when listed: a file swapped for another since is not read.
        valid_name: the path is valid UTF-8 (else the entry is refused, never read).
    """

    relative: str
    path: Path
    source: str | None
    kind: str
    parts: tuple[str, ...]
    inode: tuple[int, int] | None
    valid_name: bool = True
    sources: tuple[str, ...] = ()

    @property
    def refusal(self) -> str | None:
        """Why the entry is rejected without being read (None: a regular file of a source)."""
        if self.kind == "link":
            return SYMLINK_REFUSED
        if self.kind == "other":
            return NOT_A_FILE
        if not self.valid_name:
            return BAD_NAME
        return None if self.source else NO_SOURCE


@dataclass(frozen=True)
class ListingError:
    """A folder of the landing folder that could not be listed."""

    folder: str  # relative to the landing folder ("." for the landing folder itself)
    reason: str

    def __str__(self) -> str:
        return f"{self.folder}: {self.reason}"


class ChangedSinceListing(OSError):
    """The entry is no longer the regular file listed (now a link, a pipe or another file)."""


def printable(name: str) -> str:
    """A name as the file system gives it, the bytes that are not UTF-8 escaped (``\\xe9``)."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _normalized(name: str) -> str:
    """The name with its extension in lower case: ``ITEMS.CSV`` matches ``items.csv``'s pattern
    through its extension only (the rest of the name stays exact)."""
    stem, dot, extension = name.rpartition(".")
    return f"{stem}{dot}{extension.lower()}" if dot and stem else name


@lru_cache(maxsize=256)
def _pattern_parts(pattern: str) -> tuple[re.Pattern, ...]:
    """A glob's folder levels as compiled patterns (``*`` and ``?`` within one level, as a glob)."""
    return tuple(re.compile(fnmatch.translate(part)) for part in PurePosixPath(pattern).parts)


def _matches(parts: tuple[str, ...], pattern: str, folder: bool) -> bool:
    """Do a path's ``parts`` match the glob ``pattern``? A folder matches when it is one of the
    folders the pattern's files lie in."""
    levels = _pattern_parts(pattern)
    if folder:
        levels = levels[: len(parts)] if len(parts) < len(levels) else ()
    if not levels or len(levels) != len(parts):
        return False
    names = parts if folder else (*parts[:-1], _normalized(parts[-1]))
    return all(level.match(name) for level, name in zip(levels, names))


def sources_of(contracts: list[Contract], relative: str, folder: bool = False) -> tuple[str, ...]:
    """Every source whose file pattern matches ``relative``, in the order given."""
    parts = tuple(relative.split("/"))
    return tuple(dict.fromkeys(c.source for c in contracts if _matches(parts, c.files, folder)))


def source_of(contracts: list[Contract], relative: str, folder: bool = False) -> str | None:
    """The first source whose file pattern matches ``relative`` (None: none)."""
    return next(iter(sources_of(contracts, relative, folder)), None)


def _entry(contracts: list[Contract], root: Path, path: Path, folder: bool = False) -> LandingEntry | None:
    """The entry at ``path`` as it is (never resolved); None: gone since the listing, or a folder."""
    try:
        info = path.lstat()
    except OSError:
        return None
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        return None
    kind = "link" if stat.S_ISLNK(mode) else "file" if stat.S_ISREG(mode) else "other"
    parts = path.relative_to(root).parts
    relative = printable("/".join(parts))
    sources = sources_of(contracts, relative, folder=folder)
    source = sources[0] if sources else None
    return LandingEntry(relative, path, source, kind, parts, (info.st_dev, info.st_ino), relative == "/".join(parts), sources)


def _left_alone(name: str) -> bool:
    """An upload in progress (left for its final name), or a hidden file (a dot first)."""
    return name.startswith(".") or name.lower().endswith(UPLOAD_SUFFIXES)


def scan_landing(contracts: list[Contract], landing: Path) -> tuple[list[LandingEntry], list[ListingError]]:
    """Every entry of the landing folder with the source it belongs to, in name order, and the
    folders that could not be listed (their error). Symbolic links are listed, never followed."""
    root = Path(landing).resolve()  # the configured folder itself may be a link: its content is not
    entries: list[LandingEntry | None] = []
    errors: list[ListingError] = []
    if not root.is_dir():
        return [], errors

    def unlisted(error: OSError) -> None:
        folder = Path(error.filename) if error.filename else root
        errors.append(ListingError(printable(folder.relative_to(root).as_posix()), error.strerror or str(error)))

    for folder, subfolders, files in os.walk(root, followlinks=False, onerror=unlisted):
        here = Path(folder)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        # a link to a folder: os.walk does not descend into it; it is reported (a real folder gives None)
        entries += [_entry(contracts, root, here / name, folder=True) for name in subfolders]
        entries += [_entry(contracts, root, here / name) for name in files if not _left_alone(name)]
    return sorted((e for e in entries if e is not None), key=lambda e: e.relative), errors


def source_files(contract: Contract, landing: Path) -> list[tuple[str, Path]]:
    """(path relative to landing, path) of the source's regular files (never a link)."""
    entries, _ = scan_landing([contract], landing)
    return [(e.relative, e.path) for e in entries if e.kind == "file" and contract.source in e.sources]


def read_regular(path: Path, inode: tuple[int, int] | None = None) -> tuple[bytes, tuple[int, int, int]]:
    """A regular file's bytes and its (size, modification time, inode) as read. Nothing else is
    ever opened for reading (a pipe would block), no link followed, and (``inode`` given) no other
    file than the one listed: ChangedSinceListing."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ChangedSinceListing(errno.ELOOP, "now a symbolic link", str(path)) from error
        raise
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or (inode is not None and inode != (info.st_dev, info.st_ino)):
            raise ChangedSinceListing(errno.ESTALE, "no longer the regular file listed", str(path))
        data = file.read()
    return data, (len(data), info.st_mtime_ns, info.st_ino)


def unchanged_since(path: Path, seen: tuple[int, int, int]) -> bool:
    """Is the file at ``path`` still the one read (same size, modification time and inode)?"""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and (info.st_size, info.st_mtime_ns, info.st_ino) == seen


def link_sha(target: str) -> str:
    return hashlib.sha256(b"symlink:" + os.fsencode(target)).hexdigest()


def fingerprint(entry: LandingEntry) -> str:
    """SHA-256 of a file's bytes; of a link's own text (its target is never read); of the name of
    anything else (never opened) and of a file that cannot be read."""
    if entry.kind == "link":
        return link_sha(os.readlink(entry.path))
    if entry.kind == "file":
        try:
            return hashlib.sha256(read_regular(entry.path, entry.inode)[0]).hexdigest()
        except (FileNotFoundError, ChangedSinceListing):
            raise
        except OSError:  # unreadable (permissions): rejected by its name
            pass
    return name_sha(entry)


def name_sha(entry: LandingEntry) -> str:
    """The fingerprint of an entry that is never read: SHA-256 of its name."""
    return hashlib.sha256(entry.relative.encode()).hexdigest()
