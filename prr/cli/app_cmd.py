"""`prr`, `prr review [PATH]` and `prr demo`: the review app.

The CLI checks what it can before the terminal switches to the app, so a second prr on
the same service gets the lock message as one line on stderr (exit 2), not a flash of
screen. Errors found once the app runs (it opens the review after its first paint) come
back through `ReviewApp.failure` and are printed the same way by `prr.cli.main`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from prr.adapters.file_lock import FileLock
from prr.domain.errors import InputError

if TYPE_CHECKING:
    from prr.format.service_config import ServiceConfig
    from prr.tui.app import Opener
    from prr.workflow.drafts import Clock
    from prr.workflow.endpoint_settings import EndpointSettings
    from prr.workflow.review_session import ReviewSession

# Where prr.workflow.drafts keeps the draft's lock and the service config lives; not
# imported from there because that module loads git (tests/tui checks they agree).
DRAFT_LOCK = (".prr", "draft.lock")
CONFIG = (".prr", "config.toml")


def run_app(
    path: Path,
    ref: str = "HEAD",
    pack: str | None = None,
    tier: int | None = None,
    live: EndpointSettings | None = None,
    offer_setup: bool = True,
) -> int:
    """Run the review app on the service at PATH until the user quits; its exit code."""
    if not path.is_dir():
        raise InputError(f"{path}: no such folder")
    check_draft_free(path)
    served = os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver")  # prr serve
    if not served and not (sys.stdin.isatty() and sys.stdout.isatty()):  # in a script or CI: say so, never hang
        raise InputError("the review app needs a terminal; in scripts use --no-tui with --template or --answers")
    from prr.tui.app import ReviewApp  # Textual loads only when the app is wanted

    first_run = offer_setup and not path.joinpath(*CONFIG).exists()
    app = ReviewApp(opener(path, ref, pack, tier), live=live, setup_folder=path if first_run else None)
    app.run()
    if app.failure is not None:
        raise app.failure
    return app.return_code or 0


def opener(
    path: Path, ref: str = "HEAD", pack: str | None = None, tier: int | None = None, clock: Clock | None = None
) -> Opener:
    """How the app opens the review. The command line wins, then a config the first-run
    setup just saved (not committed yet, so the session would not see it: all of it is
    used, name and owner included), then the committed config. CLOCK is for tests that
    need a fixed time."""

    def open_session(configured: ServiceConfig | None) -> ReviewSession:
        from prr.workflow.review_session import ReviewSession

        if clock is None:
            return ReviewSession.open(path, ref, pack, tier, config=configured)
        return ReviewSession.open(path, ref, pack, tier, clock=clock, config=configured)

    return open_session


def check_draft_free(service: Path) -> None:
    """InputError naming the holder when another prr is editing this service's review."""
    lock_file = service.joinpath(*DRAFT_LOCK)
    if not lock_file.exists():
        return  # nobody has ever reviewed here, so nobody holds it
    lock = FileLock(lock_file)
    lock.acquire()
    lock.release()


@click.command("demo")
def demo_command() -> None:
    """Review a generated example service: some evidence present, some missing, a live
    endpoint served on this machine. Nothing outside a temporary folder is touched."""
    from prr.workflow.demo import demo_service
    from prr.workflow.endpoint_settings import EndpointSettings

    with demo_service() as demo:
        live = EndpointSettings(urls=((demo.url, "prr demo"),), allow_private=True)
        code = run_app(demo.path, live=live, offer_setup=False)
    raise click.exceptions.Exit(code)
