"""`prr review [PATH]`: the review app; with `--no-tui --template | --answers FILE`,
reviews as code. The headless workflow loads git and the probes: it is imported only
for --no-tui, so the app's first frame does not wait for it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from prr.exit_codes import ExitCode

if TYPE_CHECKING:
    from prr.workflow.endpoint_settings import EndpointSettings


@click.command("review")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-tui", is_flag=True, help="Run headless: print a template or write a record from --answers.")
@click.option("--template", "want_template", is_flag=True, help="Print an answers file pre-filled from the probes.")
@click.option("--answers", "answers", type=click.Path(dir_okay=False, path_type=Path), help="Apply this answers file.")
@click.option("--ref", default="HEAD", show_default=True, help="The commit reviewed.")
@click.option(
    "--checklist",
    "pack",
    metavar="NAME|FILE",
    help="Pack (default: the config's, else launch; an answers file's checklist names it or a built-in pack).",
)
@click.option("--tier", type=click.IntRange(0, 3), help="Tier reviewed (default: config, else 1).")
@click.option("--commit", "commit", is_flag=True, help="Commit the new record's folder (only it) after writing it.")
@click.option("--allow-private", is_flag=True, help="Let the endpoint probes reach loopback and private addresses.")
def review(
    path: Path,
    no_tui: bool,
    want_template: bool,
    answers: Path | None,
    ref: str,
    pack: str | None,
    tier: int | None,
    commit: bool,
    allow_private: bool,
) -> None:
    """Review the service at PATH in the review app; with --no-tui, print a template or
    write a record from answers.

    With --answers, the record's path is the last line printed; exit 0 when the verdict
    is ready, 1 when it is not."""
    if not no_tui:
        if want_template or answers is not None or commit:
            raise click.UsageError("--template, --answers and --commit run headless: add --no-tui")
        from prr.cli.app_cmd import run_app

        raise click.exceptions.Exit(run_app(path, ref, pack, tier, live=_live(allow_private)))
    from prr.workflow import review as workflow
    from prr.workflow.committing import commit_record

    if want_template == (answers is not None):
        raise click.UsageError("give exactly one of --template and --answers")
    if commit and want_template:
        raise click.UsageError("--commit goes with --answers: a template is not a record")
    if tier is not None and answers is not None:
        raise click.UsageError("the answers file names the tier it answers (tier: N): --tier goes with --template")
    if want_template:
        click.echo(workflow.template(path, ref, pack, tier, _live(allow_private)), nl=False)
        return
    assert answers is not None
    written = workflow.review(path, answers, ref, pack, live=_live(allow_private))
    committed = commit_record(written.path) if commit else None
    verdict = written.record.verdict
    state = "ready" if verdict.ready else "not ready"
    click.echo(f"Verdict: {state} ({verdict.scorer} {verdict.scorer_version}), score {verdict.score}")
    for blocker in verdict.blockers:
        click.echo(f"  blocker {blocker.item}: {blocker.reason}")
    if committed is not None:
        click.echo(f"Committed {len(committed.paths)} file(s) on {committed.branch} as {committed.commit[:12]}")
    click.echo(str(written.path))
    raise click.exceptions.Exit(ExitCode.READY if verdict.ready else ExitCode.NOT_READY)


def _live(allow_private: bool) -> EndpointSettings | None:
    """Endpoint settings for the config's endpoints: the defaults, or private addresses allowed."""
    from prr.workflow.endpoint_settings import EndpointSettings

    return EndpointSettings(allow_private=True) if allow_private else None
