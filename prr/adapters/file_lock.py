"""An exclusive lock on a file, so two prr processes never write the same draft.

`fcntl.flock` rather than a pid file: the kernel drops the lock when its holder dies,
even by SIGKILL, so a crash never leaves a stale lock to clear by hand. The lock file
holds the holder's pid and host, only to name them to whoever is refused. It is never
deleted: a process that deleted it could hand a third one a fresh file to lock while a
second still holds the old one."""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path
from types import TracebackType

from prr.domain.errors import InputError, ToolError

MAX_HOLDER_BYTES = 256


class FileLock:
    """Held from `acquire` (or `with`) until `release`, or until the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock now or raise InputError naming who holds it; never waits."""
        if self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise InputError(f"{self.path}: cannot open the lock file: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise InputError(f"{self.path}: another prr{holder} is editing this review; close it first") from None
        except OSError as exc:  # a file system without locks (some network mounts)
            os.close(fd)
            raise ToolError(f"{self.path}: cannot lock: {exc.strerror or exc}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the only descriptor drops the lock

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()


def _holder(fd: int) -> str:
    """` (pid 1234)`, with the host when it is another machine's; empty when the holder
    has not written itself in yet."""
    fields = os.pread(fd, MAX_HOLDER_BYTES, 0).decode("utf-8", "replace").split()
    if len(fields) != 2 or not fields[0].isdigit():
        return ""
    pid, host = fields
    return f" (pid {pid})" if host == socket.gethostname() else f" (pid {pid} on {host})"
