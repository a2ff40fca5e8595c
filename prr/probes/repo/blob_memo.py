"""What a probe works out from one committed file, remembered for the other probes.

Keys start with the git blob id, which names the exact bytes, so an entry holds for any
probe and any repository of the process. Entries are dropped least recently used first,
once the text they were worked out from passes a budget: memory stays bounded on a
monorepo of any size."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BlobMemo(Generic[V]):
    def __init__(self, budget: int) -> None:
        self._budget = budget  # characters of text
        self._entries: OrderedDict[tuple[str, Hashable], tuple[int, V]] = OrderedDict()
        self._size = 0  # the running total of the entries' sizes (summing on each put was quadratic)
        self._lock = threading.Lock()  # the review app may still run an earlier probe thread

    def get(self, blob: str, key: Hashable = None) -> V | None:
        with self._lock:
            hit = self._entries.get((blob, key))
            if hit is None:
                return None
            self._entries.move_to_end((blob, key))
            return hit[1]

    def put(self, blob: str, key: Hashable, value: V, size: int) -> None:
        """Remember VALUE, worked out from SIZE characters of the blob's text."""
        if size > self._budget // 4:
            return  # one huge file must not push out every other
        with self._lock:
            old = self._entries.pop((blob, key), None)
            self._size += size - (old[0] if old else 0)
            self._entries[(blob, key)] = (size, value)
            while self._size > self._budget:
                _, (dropped, _) = self._entries.popitem(last=False)
                self._size -= dropped

    def made(self, blob: str | None, key: Hashable, make: Callable[[], V], size: Callable[[V], int]) -> V:
        """The value remembered for the blob and key, else make() (remembered, weighing
        size(value) characters, when the blob is known)."""
        found = self.get(blob, key) if blob is not None else None
        if found is None:
            found = make()
            if blob is not None:
                self.put(blob, key, found, size(found))
        return found
