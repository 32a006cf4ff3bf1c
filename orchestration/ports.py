"""Is a TCP port free, and if not, which process holds it.

A second ``make ui`` used to start ``dagster dev``, print "address already in use" for the web
server and keep its daemon running. The launchers check the port first and name its holder: the
listening sockets of ``/proc/net/tcp`` and ``tcp6`` give the socket's inode, and the process whose
``/proc/<pid>/fd`` links to ``socket:[inode]`` holds it (a process of another user may not be
readable: the message then says so).
"""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
LISTEN = "0A"  # TCP state in /proc/net/tcp


class PortInUseError(RuntimeError):
    """The port a server should listen on is taken."""


@dataclass(frozen=True)
class PortHolder:
    """A process listening on the port, and the one that started it (``dagster dev`` for its web
    server: the one to stop)."""

    pid: int
    command: str
    parent_pid: int | None = None
    parent_command: str = ""

    def describe(self) -> str:
        started_by = f" (started by pid {self.parent_pid}: {self.parent_command})" if self.parent_pid else ""
        return f"pid {self.pid}: {self.command}{started_by}"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now (SO_REUSEADDR, as servers set it, so
    that connections of a stopped server waiting in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:  # a few dozen sockets
            fields = line.split()
            if len(fields) > 9 and fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _links(fds: Path) -> set[str]:
    """What a process's file descriptors point to (one closed meanwhile is skipped: the listing's own)."""
    links = set()
    for fd in fds.iterdir():
        try:
            links.add(os.readlink(fd))
        except OSError:
            continue
    return links


def port_holders(port: int, proc: Path = PROC) -> list[PortHolder]:
    """The processes with a socket listening on ``port`` (those this user can see)."""
    targets = {f"socket:[{inode}]" for inode in _listening_inodes(port, proc)}
    holders = []
    if not targets:
        return holders
    for process in proc.iterdir():
        if not process.name.isdigit():
            continue
        try:
            if _links(process / "fd") & targets:
                parent = _parent(process, proc)
                parent_command = _command(proc / str(parent)) if parent else ""
                holders.append(PortHolder(int(process.name), _command(process), parent, parent_command))
        except OSError:  # gone meanwhile, or another user's
            continue
    return holders


def _command(process: Path, limit: int = 200) -> str:
    """A process's command line on one line (arguments may hold newlines), cut at ``limit``."""
    try:
        command = " ".join(process.joinpath("cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split())
        return command[:limit] + ("..." if len(command) > limit else "") if command else f"[{process.joinpath('comm').read_text().strip()}]"
    except OSError:
        return "?"


def _parent(process: Path, proc: Path) -> int | None:
    """The parent's pid, unless it is init (the process was started by no one worth naming)."""
    stat = (process / "stat").read_text()
    parent = int(stat.rsplit(")", 1)[1].split()[1])  # after the command name, which may hold spaces
    return parent if parent > 1 else None


def port_in_use_message(port: int, host: str = "127.0.0.1", variable: str | None = None) -> str:
    holders = port_holders(port)
    if holders:
        held = "; ".join(h.describe() for h in holders)
        who = f"held by {held}"
    else:
        who = "held by a process this user cannot see (`ss -ltnp` as root names it)"
    hint = f" or set {variable} to another port" if variable else ""
    return f"port {port} on {host} is already in use, {who}. Stop that process{hint}."


def check_port_free(port: int, host: str = "127.0.0.1", variable: str | None = None) -> None:
    """Raise ``PortInUseError`` naming the holder when ``host:port`` is taken."""
    if not port_is_free(port, host):
        raise PortInUseError(port_in_use_message(port, host, variable))
