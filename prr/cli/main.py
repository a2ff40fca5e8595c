"""`prr` entry point: runs the click group and turns errors into exit codes.

Exit codes are an API (prr.exit_codes); errors are one line each on stderr, never a
traceback for bad input."""

from __future__ import annotations

import gc
import importlib
import os
import signal
import sys
import threading

import click

from prr import __version__
from prr.domain.errors import PrrError
from prr.exit_codes import ExitCode

# Subcommands by module, imported only when invoked: `prr probe` in CI should not pay
# for loading the pack renderer, and a cached re-run is dominated by start-up time.
COMMANDS = {
    "checklists": "prr.cli.checklists_cmd:checklists",
    "probe": "prr.cli.probe_cmd:probe",
    "review": "prr.cli.review_cmd:review",
    "sign": "prr.cli.sign_cmd:sign_command",
    "commit": "prr.cli.commit_cmd:commit_command",
    "verify": "prr.cli.verify_cmd:verify_command",
    "check": "prr.cli.check_cmd:check_command",
    "log": "prr.cli.log_cmd:log_command",
    "report": "prr.cli.report_cmd:report_command",
    "diff": "prr.cli.diff_cmd:diff_command",
    "rollup": "prr.cli.rollup_cmd:rollup_command",
    "demo": "prr.cli.app_cmd:demo_command",
    "serve": "prr.cli.serve_cmd:serve_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[name].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """`prr PATH` is `prr review PATH` when PATH is a folder and not a command name."""
        if args and args[0] not in COMMANDS and not args[0].startswith("-") and os.path.isdir(args[0]):
            return "review", self.get_command(ctx, "review"), args
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="prr", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """prr: production-readiness reviews as code.

    With no command, opens the review app on the service in the current folder
    (`prr review .`); `prr demo` opens it on a generated example service."""
    if ctx.invoked_subcommand is None:
        from pathlib import Path

        from prr.cli.app_cmd import run_app

        raise click.exceptions.Exit(run_app(Path(".")))


def main(argv: list[str] | None = None) -> None:
    # A command keeps most of what it allocates to the end (parsed manifests, findings,
    # records); with the default thresholds the collector walks it all again and again,
    # a fifth of a big probe run's CPU. Reference counting still frees the rest at once.
    gc.set_threshold(50_000, 20, 100)
    code = run(argv)
    gc.freeze()  # the process is ending: its last collection need not walk everything it made (~50 ms)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """The command's exit code; every error is one line on stderr. The context is made and
    invoked here rather than through `cli.main`, which would print click's four-line usage
    errors and a blank line before an interrupt."""
    args = sys.argv[1:] if argv is None else argv
    try:
        with cli.make_context("prr", list(args)) as context:
            result = cli.invoke(context)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:  # a group named without its subcommand
        click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message(), err=True)
        return ExitCode.USAGE
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "prr"
        click.echo(f"{command}: {exc.format_message().rstrip('.')} (see {command} --help)", err=True)
        return ExitCode.USAGE
    except click.ClickException as exc:
        click.echo(f"prr: {exc.format_message()}", err=True)
        return ExitCode.USAGE
    except (click.Abort, KeyboardInterrupt):
        _ignore_further_interrupts()
        click.echo("prr: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except PrrError as exc:
        for line in exc.lines():
            click.echo(f"prr: {line}" if not _located(line) else line, err=True)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`prr ... | head`); silence the flush at exit (Python docs' recipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.READY
    return int(result or 0)


def _ignore_further_interrupts() -> None:
    """prr is ending: a second Ctrl-C (or the signal sent to the process and again to its
    group, as `timeout` does) must not turn the one line into a traceback, while it is
    printed or while the interpreter shuts down."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _located(line: str) -> bool:
    """file:line:col lines are printed as they are, so editors can jump to them."""
    parts = line.split(":", 3)
    return len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit()
