"""The memo the probes share per blob: keyed by blob id and a key of the caller's, bounded by
the characters its entries were worked out from, least recently used dropped first."""

from __future__ import annotations

from prr.probes.repo.blob_memo import BlobMemo


def test_an_entry_is_found_only_under_its_blob_and_key() -> None:
    memo: BlobMemo[str] = BlobMemo(100)
    memo.put("b1", "a.yaml", "first", 10)
    assert memo.get("b1", "a.yaml") == "first"
    assert memo.get("b1", "b.yaml") is None  # the same bytes at another path
    assert memo.get("b2", "a.yaml") is None  # other bytes at the same path


def test_the_least_recently_used_entries_go_once_over_the_budget() -> None:
    memo: BlobMemo[int] = BlobMemo(100)
    for n in range(4):
        memo.put(f"b{n}", None, n, 25)
    assert memo.get("b0") == 0  # used: now the most recent
    memo.put("b4", None, 4, 25)
    assert memo.get("b1") is None
    assert [memo.get(f"b{n}") for n in (0, 2, 3, 4)] == [0, 2, 3, 4]


def test_putting_an_entry_again_counts_it_once() -> None:
    memo: BlobMemo[int] = BlobMemo(100)
    for _ in range(10):
        memo.put("same", None, 1, 25)
    for n in range(3):
        memo.put(f"b{n}", None, n, 25)
    assert memo.get("same") == 1
    assert [memo.get(f"b{n}") for n in range(3)] == [0, 1, 2]


def test_an_entry_over_a_quarter_of_the_budget_is_not_kept() -> None:
    memo: BlobMemo[int] = BlobMemo(100)
    memo.put("small", None, 1, 25)
    memo.put("huge", None, 2, 26)
    assert memo.get("huge") is None
    assert memo.get("small") == 1


def test_made_works_a_value_out_once_per_blob_and_key_and_never_keeps_one_without_a_blob() -> None:
    memo: BlobMemo[str] = BlobMemo(100)
    made: list[str] = []

    def make(value: str) -> str:
        made.append(value)
        return value

    assert memo.made("b1", "a.yaml", lambda: make("first"), len) == "first"
    assert memo.made("b1", "a.yaml", lambda: make("again"), len) == "first"
    assert memo.made(None, "a.yaml", lambda: make("no blob"), len) == "no blob"
    assert memo.made(None, "a.yaml", lambda: make("no blob"), len) == "no blob"
    assert made == ["first", "no blob", "no blob"]
