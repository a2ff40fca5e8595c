"""Users remap keys in `$XDG_CONFIG_HOME/prr/keymap.toml` by binding id; a bad file is
reported in the app, which keeps its own keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from prr.domain.errors import InputError
from prr.format.keymap import parse_keymap

from .conftest import SIZE, MakeApp, settled

KNOWN = {"answer.pass", "filter.blockers"}


def test_a_keymap_file_maps_binding_ids_to_keys() -> None:
    data = b'[keymap]\n"answer.pass" = "y"\n"filter.blockers" = "ctrl+b,f2"\n'
    assert parse_keymap(data, "keymap.toml", KNOWN) == {"answer.pass": "y", "filter.blockers": "ctrl+b,f2"}


def test_unknown_ids_and_malformed_keys_are_all_reported() -> None:
    data = b'[keymap]\n"answer.pas" = "y"\n"filter.blockers" = "ctrl b"\n[colors]\n'
    with pytest.raises(InputError) as caught:
        parse_keymap(data, "keymap.toml", KNOWN)
    assert sorted(caught.value.lines()) == [
        "keymap.toml:1:1: filter.blockers: 'ctrl b' is not a key like 'y', 'ctrl+b' or 'f2,ctrl+y'",
        "keymap.toml:1:1: unknown binding id 'answer.pas' (the help screen, ?, lists them)",
        "keymap.toml:1:1: unknown table [colors] (only [keymap])",
    ]


@pytest.mark.anyio
async def test_the_app_uses_the_users_keymap_file(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config" / "prr").mkdir(parents=True)
    (tmp_path / "config" / "prr" / "keymap.toml").write_text('[keymap]\n"answer.pass" = "y"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "y")
        assert screen.session.draft.draft.answers["ownership.oncall"].kind.value == "pass"


@pytest.mark.anyio
async def test_a_broken_keymap_file_is_reported_and_the_default_keys_still_work(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config" / "prr").mkdir(parents=True)
    (tmp_path / "config" / "prr" / "keymap.toml").write_text('[keymap]\n"answer.nope" = "y"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert any("unknown binding id 'answer.nope'" in str(n.message) for n in app._notifications)
        await pilot.press("down", "p")
        assert screen.session.draft.draft.answers["ownership.oncall"].kind.value == "pass"
