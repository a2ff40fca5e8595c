"""Git run for the commit snapshot: one process per command, and two long-lived
`cat-file` processes (sizes, contents) that read objects one at a time.

A few lines of subprocess instead of GitPython: importing GitPython costs about a fifth of
a `prr probe` answered from the cache. The caller passes the hardened options (`-c`
settings, `--git-dir`); git's messages come in English (LC_ALL=C) so they can be told
apart."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import IO


class GitFailed(Exception):
    def __init__(self, stderr: str) -> None:
        super().__init__(stderr)
        self.stderr = stderr


class Git:
    """Close (or use as a context manager) to end the cat-file processes."""

    def __init__(self, cwd: Path, options: list[str], env: Mapping[str, str]) -> None:
        self._cwd = cwd
        self._options = options
        self._env = {**os.environ, **env, "LC_ALL": "C", "LANGUAGE": "C"}
        self._batches: dict[str, subprocess.Popen[bytes]] = {}
        self._owner = os.getpid()  # whose cat-file processes `_batches` holds

    def __enter__(self) -> Git:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, *args: str) -> bytes:
        """The command's output; GitFailed with its error output when it fails."""
        argv = ["git", *self._options, *args]
        done = subprocess.run(argv, cwd=self._cwd, env=self._env, stdin=subprocess.DEVNULL, capture_output=True)
        if done.returncode != 0:
            raise GitFailed(done.stderr.decode("utf-8", "replace"))
        return done.stdout

    def header(self, name: str) -> tuple[str, str, int] | None:
        """(oid, type, size) of the object `name`, or None when there is none."""
        return self._ask("--batch-check", name)

    def contents(self, name: str) -> tuple[str, str, bytes] | None:
        """(oid, type, data) of the object `name`, or None when there is none."""
        found = self._ask("--batch", name)
        if found is None:
            return None
        stdout = self._stdout("--batch")
        data = stdout.read(found[2])
        stdout.read(1)  # the newline after the contents
        return found[0], found[1], data

    def close(self) -> None:
        for process in self._batches.values():
            if process.stdin:
                process.stdin.close()
            process.wait()
            if process.stdout:
                process.stdout.close()
        self._batches.clear()

    def _ask(self, mode: str, name: str) -> tuple[str, str, int] | None:
        if os.getpid() != self._owner:
            # A forked child: its parent's cat-file processes answer the parent alone, so
            # the child starts its own (and leaves the parent's to the parent to end).
            self._batches, self._owner = {}, os.getpid()
        if "\n" in name:
            return None
        process = self._batches.get(mode)
        if process is None:
            argv = ["git", *self._options, "cat-file", mode]
            process = subprocess.Popen(
                argv, cwd=self._cwd, env=self._env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            self._batches[mode] = process
        assert process.stdin is not None
        try:
            process.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            process.stdin.flush()
        except BrokenPipeError:
            raise GitFailed(f"git cat-file {mode} ended") from None
        line = self._stdout(mode).readline()
        if not line:
            raise GitFailed(f"git cat-file {mode} ended")
        header = line.decode("utf-8", "surrogateescape").split()
        if len(header) != 3 or not header[2].isdigit():  # "<name> missing", "<name> ambiguous"
            return None
        return header[0], header[1], int(header[2])

    def _stdout(self, mode: str) -> IO[bytes]:
        stdout = self._batches[mode].stdout
        assert stdout is not None
        return stdout
