"""docs/probes.md, generated from the registry so the reference never drifts.

Regenerate with `python -m prr.probes.catalog_doc > docs/probes.md`; a test fails when
the committed file is out of date."""

from __future__ import annotations

import json

from prr.domain.probe_spec import ProbeKind
from prr.probes.registry import PROBES


def render() -> str:
    lines = [
        "# Probes",
        "",
        "Each probe is a yes/no question that gathers evidence; it returns findings (pass, fail,",
        "not applicable or error) and never scores. Packs name probes by id under an item's",
        "`probes:`, optionally with parameters: `{probe: runbook-present, with: {min_words: 120}}`.",
        "",
        "How outcomes combine: an item fails if any of its probes' findings fails; a probe that",
        "could not read what it needed says `error` and never claims pass or fail. Probes that",
        "look for one good candidate (a runbook, a DR plan, an Alertmanager route) pass when one",
        'qualifies and report the other candidates as not applicable ("not counted"), with why.',
        "",
        "A parameter's `allowed` column is checked when a pack is loaded (and by",
        "`prr checklists lint`): a value outside it, which would make the probe fail for ever",
        "or pass on nothing, is refused with the file, line and column.",
        "",
        "This page is generated from `prr/probes/registry.py`",
        "(`python -m prr.probes.catalog_doc > docs/probes.md`).",
    ]
    for kind, heading in ((ProbeKind.REPOSITORY, "Repository probes"), (ProbeKind.ENDPOINT, "Endpoint probes")):
        lines += ["", f"## {heading}", ""]
        for spec in sorted((s for s in PROBES.values() if s.kind is kind), key=lambda s: s.id):
            lines += [f"### `{spec.id}`", "", spec.question, "", f"Remediation: {spec.remediation}", ""]
            if spec.params:
                lines += ["| parameter | type | default | allowed | meaning |", "|---|---|---|---|---|"]
                lines += [
                    f"| `{p.name}` | {p.type.value} | `{json.dumps(p.default)}` | {p.allowed() or 'any'} | {p.doc} |"
                    for p in spec.params
                ]
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
