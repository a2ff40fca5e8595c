"""Reading the TOML files prr is handed (drafts, configs; records through rtoml): hostile
input is one located error, never a traceback."""

from __future__ import annotations

import pytest

from prr.domain.errors import InputError
from prr.format.toml_document import read_record_toml, read_toml

DEEP_ARRAYS = b"a = " + b"[" * 100_000 + b"]" * 100_000
DEEP_TABLES = b"a = " + b"{b = " * 100_000 + b"1" + b"}" * 100_000


@pytest.mark.parametrize("data", [DEEP_ARRAYS, DEEP_TABLES], ids=["arrays", "inline-tables"])
@pytest.mark.parametrize("read", [read_toml, read_record_toml], ids=["tomli", "rtoml"])
def test_nesting_a_hundred_thousand_deep_is_one_located_error(read, data: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as raised:
        read(data, ".prr/draft.toml")
    (line,) = raised.value.lines()
    assert line.startswith(".prr/draft.toml:1:")
    assert "invalid TOML" in line
