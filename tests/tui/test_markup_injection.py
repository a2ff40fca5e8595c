"""Text from packs, repositories and answers is shown as text: Textual markup in a title, a
file or a note shows literally and does nothing; control characters show as escapes."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from gitrepos import make_repo
from textual.widgets import Input, Static

from prr.tui.plain import plain, visible
from prr.tui.widgets.answer_form import AnswerForm
from prr.tui.widgets.section_tree import SectionTree

from .conftest import SIZE, MakeApp, settled

pytestmark = pytest.mark.anyio

QUIT = "[@click=app.quit]x[/]"
HOSTILE_PACK = f"""\
format: 1
id: hostile
version: "1.0.0"
title: "[bold red]Hostile[/] pack"
description: Markup everywhere a pack author can put text.
scorer: gate
sections:
  - id: ownership
    title: "[reverse]Ownership[/reverse] [/]"
    description: "[link=https://evil.example]click me[/link]"
    items:
      - id: ownership.codeowners
        title: "{QUIT}"
        why: "[link=https://evil.example]the why[/link]"
        how: "[/] and [b]the how"
        required: [0, 1]
        evidence: automatic
        probes: [codeowners-present]
      - id: ownership.closing
        title: "[/]"
        why: "[on red]"
        how: "[@click=app.bell]ring[/]"
        required: [0, 1]
"""
CODEOWNERS = "* @acme/[/]x\n* @acme/\x1b]0;pwned\x07\n"


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    pack = tmp_path / "hostile.yaml"
    pack.write_text(HOSTILE_PACK, encoding="utf-8")
    repo = make_repo(tmp_path / "hostile-repo", {"CODEOWNERS": CODEOWNERS})
    return repo, pack


def text_of(widget: Static) -> str:
    content = widget.content
    return getattr(content, "plain", str(content))


async def test_pack_text_file_names_and_probe_messages_show_literally(make_app: MakeApp, hostile: tuple[Path, Path]):
    repo, pack = hostile
    app = make_app(repo, pack=pack)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        tree = screen.query_one(SectionTree)
        section = tree.root.children[0]
        assert section.label.plain.startswith("[reverse]Ownership[/reverse] [/]")
        assert [item.label.plain for item in section.children] == [f"✗ {QUIT}", "○ [/]"]
        assert text_of(screen.query_one("#item-heading", Static)).startswith(QUIT)
        body = text_of(screen.query_one("#item-body", Static))
        assert "[link=https://evil.example]the why[/link]" in body
        assert "[/] and [b]the how" in body
        assert "'@acme/[/]x'" in body  # the probe quotes the file's own text
        assert "\x1b" not in body and "\x07" not in body  # a terminal escape in a file stays inert
        assert screen.sub_title == "hostile-repo · [bold red]Hostile[/] pack · tier 1"

        await pilot.click(SectionTree, offset=(4, 1))  # on the item whose title is a quit link
        await pilot.pause()
        assert app.is_running

        svg = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        assert QUIT in svg and "[reverse]Ownership[/reverse] [/]" in svg


async def test_answers_typed_with_markup_show_literally(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "n")
        form = pilot.app.screen
        assert isinstance(form, AnswerForm)
        form.query_one("#reason", Input).value = "[/] not [b]ours"
        form.query_one("#note", Input).value = QUIT
        await pilot.press("enter")
        shown = text_of(screen.query_one("#item-answer", Static))
        assert "reason: [/] not [b]ours" in shown
        assert f"note: {QUIT}" in shown
        assert pilot.app.is_running


def test_control_characters_become_visible_escapes() -> None:
    assert visible("a\x1b[31mb\x07\u202ec\td\ne") == "a\\x1b[31mb\\x07\\u202ec\td\ne"
    assert plain("[/]").plain == "[/]"
