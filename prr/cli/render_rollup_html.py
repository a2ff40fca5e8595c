"""`prr rollup --format html`: one self-contained page (no scripts, no external styles or
fonts), so it can be attached to a CI run or mailed and opened anywhere. Every value is
HTML-escaped: names come from repositories prr does not control."""

from __future__ import annotations

from html import escape

from prr.cli.render_rollup import TITLES, adoption_line, cells, safe, summary_line, waiver_rows
from prr.workflow.rollup import Rollup

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
th { background: #f3f3f3; }
td.yes { background: #e6f4ea; } td.no { background: #fce8e6; } .error { color: #a50e0e; }
.adoption { font-size: 1.2em; font-weight: 600; }
"""


def render_html(result: Rollup) -> str:
    head = "".join(f"<th>{escape(title)}</th>" for title in TITLES)
    rows = []
    for service in result.services:
        row = "".join(f"<td{_kind(c)}>{escape(safe(c))}</td>" for c in cells(service))
        rows.append(f"<tr>{row}</tr>")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Production readiness rollup</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Production readiness rollup</h1>",
        f"<p>{escape(summary_line(result))}</p>",
        f'<p class="adoption">{escape(adoption_line(result))}</p>',
        f"<table><thead><tr>{head}</tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]
    waivers = waiver_rows(result)
    if waivers:
        parts += ["<h2>Waivers lapsing within 30 days</h2>", "<table><thead><tr><th>Expires</th><th>Service</th>"
                  "<th>Item</th><th>Approver</th></tr></thead><tbody>"]  # fmt: skip
        parts += ["<tr>" + "".join(f"<td>{escape(safe(c))}</td>" for c in row) + "</tr>" for row in waivers]
        parts.append("</tbody></table>")
    failed = [s for s in result.services if s.error]
    if failed:
        parts += ["<h2>Could not scan</h2>", "<ul>"]
        for service in failed:
            where, error = escape(safe(service.repository)), escape(safe(service.error))
            parts.append(f'<li><code>{where}</code>: <span class="error">{error}</span></li>')
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _kind(cell: str) -> str:
    """Evidence cells are coloured, so missing evidence stands out in a long table."""
    return f' class="{cell}"' if cell in ("yes", "no") else ""
