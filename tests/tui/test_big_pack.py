"""A big pack: with 500 items, every answer reaches the verdict bar (the speed of it is
measured in benchmarks/tui.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prr.domain.answers import Answer, AnswerKind

from .conftest import SIZE, MakeApp, settled

pytestmark = pytest.mark.anyio


def big_pack(path: Path, sections: int = 10, per_section: int = 50) -> Path:
    lines = ["format: 1", "id: big", 'version: "1.0.0"', "title: Big", "description: 500 items.", "scorer: gate"]
    lines.append("sections:")
    for s in range(sections):
        lines += [f"  - id: s{s}", f"    title: Section {s}", "    items:"]
        for i in range(per_section):
            lines += [f"      - id: s{s}.item{i}", f"        title: Item {i} of section {s}", "        why: Why."]
            lines += ["        how: How.", "        required: [0, 1, 2, 3]", f"        tags: [t{i % 7}]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_every_answer_on_a_500_item_pack_shows_in_the_verdict_bar(
    make_app: MakeApp, service: Path, tmp_path: Path
) -> None:
    """How fast is measured by benchmarks/tui.py (docs/performance.md), never in a test."""
    async with make_app(service, pack=big_pack(tmp_path / "big.yaml")).run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert len(screen.states) == 500
        for n, item_id in enumerate(list(screen.states)[:20]):
            screen.save(item_id, Answer(AnswerKind.PASS if n % 2 else AnswerKind.FAIL))
            await pilot.pause()
        assert "20/500 decided" in str(screen.query_one("#verdict").content)  # type: ignore[attr-defined]
