"""How the command line reaches the app: `prr`, `prr PATH`, `prr review PATH`, `prr demo`.
Everything checked here happens before the terminal switches to the app, so it is one line
on stderr and an exit code, like every other prr error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run

Prr = Callable[..., Run]


def test_headless_options_without_no_tui_are_a_usage_error(prr: Prr, service: Path) -> None:
    done = prr("review", str(service), "--template")
    assert done.code == 2
    assert "--template, --answers and --commit run headless: add --no-tui" in done.err


def test_a_folder_given_as_the_command_is_reviewed(prr: Prr, service: Path) -> None:
    done = prr(str(service), "--template")  # `prr PATH ...` is `prr review PATH ...`
    assert done.code == 2 and "add --no-tui" in done.err


def test_a_missing_folder_is_one_line_and_exit_2(prr: Prr, tmp_path: Path) -> None:
    done = prr("review", str(tmp_path / "nowhere"))
    assert (done.code, done.err) == (2, f"prr: {tmp_path / 'nowhere'}: no such folder\n")


def test_without_a_terminal_the_app_says_how_to_review_headless(prr: Prr, service: Path) -> None:
    done = prr("review", str(service))
    assert done.code == 2
    assert done.err == "prr: the review app needs a terminal; in scripts use --no-tui with --template or --answers\n"


def test_demo_and_the_app_are_listed_in_help(prr: Prr) -> None:
    done = prr("--help")
    assert done.code == 0
    assert "demo" in done.out and "With no command, opens the review app" in done.out
