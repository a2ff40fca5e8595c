"""`.prr/config.toml` written by prr reads back as what was written, and nothing the
reader would refuse is ever written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prr.domain.checklist import TIERS
from prr.domain.errors import InputError
from prr.format.service_config import FILE_BYTES, ServiceConfig, dumps, parse_config, problems

# Any Unicode text the reader can hold: control characters, quotes, backslashes, newlines,
# line separators, astral characters (surrogates cannot be UTF-8, so no file holds them).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
CONFIGS = st.builds(
    ServiceConfig,
    name=TEXT,
    tier=st.none() | st.sampled_from(TIERS),
    owner=TEXT,
    checklist=st.none() | TEXT,
    endpoints=st.lists(TEXT, max_size=4).map(tuple),
    max_file_bytes=st.none() | st.integers(*FILE_BYTES),
)
ANYTHING = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.lists(st.text())


@given(CONFIGS)
def test_every_valid_config_reads_back_as_written(config: ServiceConfig) -> None:
    assert problems(config) == []
    assert parse_config(".prr/config.toml", dumps(config)) == config


@given(
    st.builds(
        ServiceConfig,
        name=ANYTHING,
        tier=ANYTHING,
        owner=ANYTHING,
        checklist=ANYTHING,
        endpoints=ANYTHING | st.lists(ANYTHING).map(tuple),
        max_file_bytes=ANYTHING,
    )
)
def test_whatever_is_written_reads_back_and_the_rest_is_refused(config: ServiceConfig) -> None:
    try:
        data = dumps(config)
    except ValueError:
        assert problems(config)
        return
    assert parse_config(".prr/config.toml", data) == config


def test_keys_in_the_documented_order() -> None:
    config = ServiceConfig("payments-api", 1, "team-payments", "launch", ("https://pay.example.com",))
    assert dumps(config).decode() == (
        "[service]\n"
        'name = "payments-api"\n'
        "tier = 1\n"
        'owner = "team-payments"\n'
        'checklist = "launch"\n'
        "endpoints = [\n"
        '    "https://pay.example.com",\n'
        "]\n"
    )


def test_an_unset_tier_and_checklist_are_left_out() -> None:
    assert dumps(ServiceConfig(name="api")).decode() == '[service]\nname = "api"\nowner = ""\nendpoints = []\n'


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (ServiceConfig(tier=4), "service.tier must be 0, 1, 2 or 3, got 4"),
        (ServiceConfig(tier=True), "service.tier must be 0, 1, 2 or 3, got True"),
        (ServiceConfig(name=None), "service.name must be text"),  # type: ignore[arg-type]
        (ServiceConfig(endpoints=("https://a.example", 3)), "service.endpoints must be a list of URLs"),  # type: ignore[arg-type]
        (ServiceConfig(endpoints=["https://a.example"]), "service.endpoints must be a tuple of URLs"),  # type: ignore[arg-type]
        (ServiceConfig(owner="\ud800"), "service.owner holds a lone surrogate, which UTF-8 cannot encode"),
        (
            ServiceConfig(max_file_bytes=1024),
            "service.max_file_bytes must be a whole number of bytes from 65,536 to 67,108,864, got 1024",
        ),
    ],
)
def test_what_the_reader_refuses_is_not_written(config: ServiceConfig, message: str) -> None:
    assert problems(config) == [message]
    with pytest.raises(ValueError, match=r"^service\."):
        dumps(config)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[service]\ntier = 7\n", "x.toml:2:1: service.tier must be 0, 1, 2 or 3, got 7"),
        (
            "[service]\nteir = 1\n",
            "x.toml:2:1: unknown key service.teir "
            "(known: checklist, endpoints, max_file_bytes, name, owner, signoff, tier)",
        ),
        ("service = 3\n", "x.toml:1:1: [service] must be a table"),
        ("[servce]\ntier = 1\n", "x.toml:1:1: unknown table or key 'servce' (prr reads only [service])"),
        ("signoff = 3\n[service]\ntier = 1\n", "x.toml:1:1: unknown table or key 'signoff' (prr reads only [service])"),
        (
            "[service]\ntier = 1\n\n[review.policy]\n",
            "x.toml:4:1: unknown table or key 'review' (prr reads only [service])",
        ),
        ('[service]\nendpoints = "https://a"\n', "x.toml:2:1: service.endpoints must be a list of URLs"),
        ("[service]\nname = \n", "x.toml:2:8: invalid TOML: Invalid value"),
    ],
)
def test_the_reader_still_refuses_what_it_refused(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_config("x.toml", text.encode())
    assert caught.value.lines() == [message]


def test_the_documented_example_is_what_prr_writes() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "service-config.md").read_text(encoding="utf-8")
    example = page.split("```toml\n", 1)[1].split("```", 1)[0].encode()
    assert dumps(parse_config("docs/service-config.md", example)) == example
