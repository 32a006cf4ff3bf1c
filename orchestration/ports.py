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
    pid: int
    command: str


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
                command = " ".join((process / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split())[:300]
                holders.append(PortHolder(int(process.name), command or f"[{(process / 'comm').read_text().strip()}]"))
        except OSError:  # gone meanwhile, or another user's
            continue
    return holders


def port_in_use_message(port: int, host: str = "127.0.0.1", variable: str | None = None) -> str:
    holders = port_holders(port)
    if holders:
        held = "; ".join(f"pid {h.pid}: {h.command}" for h in holders)
        who = f"held by {held}"
    else:
        who = "held by a process this user cannot see (`ss -ltnp` as root names it)"
    hint = f" or set {variable} to another port" if variable else ""
    return f"port {port} on {host} is already in use, {who}. Stop that process{hint}."


def check_port_free(port: int, host: str = "127.0.0.1", variable: str | None = None) -> None:
    """Raise ``PortInUseError`` naming the holder when ``host:port`` is taken."""
    if not port_is_free(port, host):
        raise PortInUseError(port_in_use_message(port, host, variable))
