"""Kept copies of rejected files: moved into the rejected folder by the same relative path, never
through a link nor over another content's name, with a note of the reason beside each.

A folder name held by a kept link or file is never entered: from there on the rest of the path is
one name, its ``/`` written ``%2F``. Names are capped so that the suffixes (``.<sha12>``, ``-2``,
``.error.txt``) fit the file system's 255 bytes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from pathlib import Path

from orchestration.ingestion.listing import LandingEntry, link_sha, printable

# Names in the rejected folder: the file system's limit, the note's suffix, and the room a kept
# copy's name leaves for the suffixes a name taken by another content gets (".<sha12>-9", the note).
NAME_MAX = 255
NOTE_SUFFIX = ".error.txt"
SUFFIX_ROOM = 15 + len(NOTE_SUFFIX)
# A path below a kept link or file of a folder's name is kept flat, its "/" written so.
FLAT_SEPARATOR = "%2F"


def _kept_sha(folder: int, name: str) -> str | None:
    """The fingerprint of what ``name`` in ``folder`` (a descriptor) holds, None when free. Only a
    regular file is opened; a link's own text counts, never its target."""
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return link_sha(os.readlink(name, dir_fd=folder))
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    with os.fdopen(os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder), "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _capped(name: str, room: int) -> str:
    """``name`` short enough to take ``room`` bytes of suffixes within NAME_MAX: cut (never inside
    a UTF-8 character) and marked ``~`` before its extension."""
    raw = os.fsencode(name)
    if len(raw) + room <= NAME_MAX:
        return name
    stem, dot, extension = raw.rpartition(b".")
    extension = dot + extension if stem and len(extension) <= 16 else b""
    keep = NAME_MAX - room - len(extension) - 1
    while keep and raw[keep] & 0xC0 == 0x80:
        keep -= 1
    return os.fsdecode(raw[:keep] + b"~" + extension)


def _suffixed(name: str, sha: str) -> list[str]:
    """The names a content ``sha`` takes beside ``name`` when another content holds it."""
    return [f"{name}.{sha[:12]}", *(f"{name}.{sha[:12]}-{n}" for n in range(2, 10))]


def _kept_name(folder: int, name: str, sha: str) -> str:
    """A name in ``folder`` for a kept copy of content ``sha``: the delivered name (capped), else
    (another content or its note's name holds it) suffixed with the hash; never another's."""
    base = _capped(name, SUFFIX_ROOM)
    for candidate in [base, *_suffixed(base, sha)]:
        held = _kept_sha(folder, candidate)
        if held == sha or (held is None and _kept_sha(folder, candidate + NOTE_SUFFIX) is None):
            return candidate
    raise FileExistsError(errno.EEXIST, "every name for its kept copy is taken", name)


def _subfolder(folder: int, name: str) -> int | None:
    """A descriptor of the real folder ``name`` in ``folder``, made if missing; None when the name
    is held by a link or a file (never entered) or cannot be made."""
    with contextlib.suppress(OSError):
        os.mkdir(name, dir_fd=folder)
    try:
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
    except OSError:
        return None


def _safe_folder(root: Path, parts: tuple[str, ...]) -> tuple[int, Path, str]:
    """A descriptor of the folder of ``root`` (the rejected or the processed folder) where the copy of the landing path
    ``parts`` goes, its path, and the name there: the same relative path, its folders made as
    needed and never entered through a link (nor blocked by a kept file of a folder's name): from
    such a name on, the rest of the path is one name, its ``/`` written ``%2F``."""
    root.mkdir(parents=True, exist_ok=True)
    folder, where = os.open(root, os.O_RDONLY | os.O_DIRECTORY), root
    for depth, part in enumerate(parts[:-1]):
        inner = _subfolder(folder, part)
        if inner is None:
            return folder, where, FLAT_SEPARATOR.join(parts[depth:])
        os.close(folder)
        folder, where = inner, where / part
    return folder, where, parts[-1]


def _write_note(folder: int, name: str, text: str) -> None:
    """Create the note beside a kept copy; never through a link nor over an existing name. A note
    that cannot be written is skipped: the rejection is recorded with its reason."""
    with contextlib.suppress(OSError):
        descriptor = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=folder)
        with os.fdopen(descriptor, "w", encoding="utf-8") as note:
            note.write(text)


def keep_rejected(entry: LandingEntry, sha: str, error: str, rejected_dir: Path) -> str:
    """Move the entry (a link: the link itself) into the rejected folder with its note; its path
    there (printable)."""
    folder, where, name = _safe_folder(rejected_dir, entry.parts)
    try:
        name = _kept_name(folder, name, sha)
        os.replace(entry.path, name, dst_dir_fd=folder)  # atomic within one filesystem; a link is moved, not followed
        kept_at = printable(str(where / name))
        renamed = kept_at != printable(str(rejected_dir.joinpath(*entry.parts)))
        _write_note(folder, name + NOTE_SUFFIX, f"{error}\n" + (f"delivered as {entry.relative}\n" if renamed else ""))
    finally:
        os.close(folder)
    return kept_at


def archive(path: Path, parts: tuple[str, ...], sha: str, processed_dir: Path) -> None:
    """Move a loaded file to the processed folder by its relative path (an atomic rename), never
    through a link: an earlier, different content at its name is kept beside it under the name
    suffixed with its hash."""
    folder, _, name = _safe_folder(processed_dir, parts)
    try:
        name = _capped(name, SUFFIX_ROOM)
        held = _kept_sha(folder, name)
        if held is not None and held != sha:
            old = next((c for c in _suffixed(name, held) if _kept_sha(folder, c) in (None, held)), None)
            if old is None:
                raise FileExistsError(errno.EEXIST, "every name for the earlier version is taken", name)
            os.replace(name, old, src_dir_fd=folder, dst_dir_fd=folder)  # a link is moved, never followed
        os.replace(path, name, dst_dir_fd=folder)
    finally:
        os.close(folder)
