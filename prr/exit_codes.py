"""Exit codes are an API: CI scripts branch on them, so they never change meaning."""

from enum import IntEnum


class ExitCode(IntEnum):
    READY = 0  # ready / valid / success
    NOT_READY = 1  # not ready / invalid
    USAGE = 2  # usage or input error: bad YAML, bad flag, missing file
    TOOL = 3  # a probe or tool could not run
    INTERRUPTED = 130
