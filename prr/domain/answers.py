"""What the service owner says about an item, including waivers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class AnswerKind(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"
    WAIVED = "waived"


@dataclass(frozen=True)
class Waiver:
    """Permission to launch without an item, granted by someone, until a date.

    A waiver holds through the whole of its expiry day (UTC) and lapses after it."""

    reason: str
    approver: str
    expires: dt.date

    def active_at(self, at: dt.datetime) -> bool:
        return bool(self.approver.strip()) and at.astimezone(dt.UTC).date() <= self.expires


@dataclass(frozen=True)
class Answer:
    kind: AnswerKind
    note: str = ""
    reason: str = ""  # why not applicable
    waiver: Waiver | None = None
    links: tuple[str, ...] = ()  # evidence the owner points at (URLs or repository paths)
