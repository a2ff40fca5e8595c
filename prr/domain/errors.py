"""Errors that carry their exit code, so every face reports them the same way."""

from __future__ import annotations

from dataclasses import dataclass

from prr.exit_codes import ExitCode


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, pinned to where it is (1-based line and column)."""

    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


class PrrError(Exception):
    """Base for errors shown to the user as one line each, never as a traceback."""

    exit_code: ExitCode = ExitCode.TOOL

    def lines(self) -> list[str]:
        return [str(self)]


class InputError(PrrError):
    """Bad input from the user: a file, a flag, an answer. Exit code 2."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str = "", problems: tuple[Problem, ...] | list[Problem] = ()) -> None:
        self.problems = tuple(sorted(problems))
        super().__init__(message or "; ".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        if self.problems:
            return [str(p) for p in self.problems]
        return str(self).splitlines()


class ToolError(PrrError):
    """Something prr relies on could not run: a probe, a scorer, git, ssh-keygen. Exit code 3."""

    exit_code = ExitCode.TOOL
