"""Run the review app headless in its own process, for the kill-and-resume test.

    python headless.py answer REPO PACK KEY...   press the keys, print ANSWERED, keep running
    python headless.py show REPO PACK            print the answers it resumed with, as JSON, and quit

The app runs exactly as `prr review` runs it (the same opener, autosave and screens), only
with Textual's headless driver instead of a terminal."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from prr.cli.app_cmd import opener
from prr.tui.app import ReviewApp
from prr.tui.review_screen import ReviewScreen


async def main(mode: str, repo: Path, pack: str, keys: list[str]) -> None:
    app = ReviewApp(opener(repo, pack=pack))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        while not (isinstance(app.screen, ReviewScreen) and app.screen.session.probed):
            if app.failure is not None:
                print(f"FAILED {app.failure}", flush=True)
                return
            await pilot.pause(0.05)
        screen = app.screen
        if mode == "show":
            answers = {item: answer.kind.value for item, answer in screen.session.draft.draft.answers.items()}
            resumed = [str(n.message) for n in app._notifications if "resuming" in str(n.message)]
            print(json.dumps({"answers": answers, "resumed": resumed}), flush=True)
            await pilot.press("q")
            return
        await pilot.press(*keys)
        print("ANSWERED", flush=True)
        await asyncio.sleep(3600)  # keep running, autosaving, until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4:]))
