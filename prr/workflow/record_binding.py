"""Does a record still mean what it says? The checklist it names, byte for byte; the
items that checklist asks at the tier; and the verdict its scorer gives on its answers.

Only built-in packs and scorers are loaded here (or a pack file the auditor names): a
record is untrusted input, and prr never runs a scorer a record points at. The pack
loader (YAML, the pack schema) is imported when the first record asks for a pack:
`prr verify` does that while git is still reading the other records."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from prr.adapters import builtin
from prr.domain.checklist import Pack
from prr.domain.errors import PrrError
from prr.domain.record import Record
from prr.domain.rescoring import recorded_outcomes, verdict_differences
from prr.domain.scoring import AssessedOutcomes, Scorer
from prr.workflow.scorers import evaluate, load_scorer


@dataclass
class Packs:
    """Packs and scorers loaded once per verification run (1,000 records name one pack)."""

    given: Path | None = None  # --checklist FILE: the pack a non-built-in record was made with
    _packs: dict[str, Pack | str] = field(default_factory=dict)
    _scorers: dict[str, Scorer | str] = field(default_factory=dict)

    def pack(self, record: Record) -> Pack | str:
        """The record's pack, or why it cannot be had."""
        name = record.checklist.sources[0].name if record.checklist.sources else ""
        key = name if name.startswith(builtin.PREFIX) else f"file:{self.given}"
        if key not in self._packs:
            self._packs[key] = self._load(name)
        return self._packs[key]

    def scorer(self, name: str) -> Scorer | str:
        if name not in self._scorers:
            if name not in builtin.scorer_names():
                self._scorers[name] = f"scorer {name!r} is not built in; prr re-scores only with built-in scorers"
            else:
                self._scorers[name] = load_scorer(name)
        return self._scorers[name]

    def _load(self, name: str) -> Pack | str:
        from prr.workflow.checklists import open_pack  # YAML and the pack schema: only when a record asks

        if name.startswith(builtin.PREFIX):
            ref = name.removeprefix(builtin.PREFIX)
            if ref not in builtin.pack_names():
                return f"checklist {name} is not built into this prr ({', '.join(builtin.pack_names())})"
        elif self.given is not None:
            ref = str(self.given)
        else:
            return f"checklist {name!r} is not built in: name its file with --checklist FILE"
        try:
            return open_pack(ref)
        except PrrError as exc:
            return f"checklist {ref}: {exc}"


def binding_failures(record: Record, packs: Packs) -> tuple[Pack | None, list[str]]:
    """The record's pack (None when unusable) and every way the record disagrees with it."""
    pack = packs.pack(record)
    if isinstance(pack, str):
        return None, [pack]
    failures = _checklist_changes(record, pack)
    if failures:
        return pack, failures  # a different pack explains everything below; don't bury it
    failures += _item_changes(record, pack)
    scorer = packs.scorer(record.verdict.scorer)
    if isinstance(scorer, str):
        return pack, [*failures, scorer]
    if scorer.version != record.verdict.scorer_version:
        failures.append(
            f"scored by {scorer.id} {record.verdict.scorer_version}, but this prr has {scorer.id} {scorer.version}: "
            f"verify with prr {record.prr_version}"
        )
        return pack, failures
    outcomes = AssessedOutcomes(recorded_outcomes(record))  # the scorer's assessment, reused below
    try:
        again = evaluate(pack, record.service.tier, outcomes, record.created, scorer)
    except PrrError as exc:
        return pack, [*failures, f"could not score again: {exc}"]
    failures += verdict_differences(record.verdict, again)
    recorded_states = {item.id: item.state for item in record.items}
    for assessed in outcomes.assessment(pack, record.service.tier, record.created):
        state = recorded_states.get(assessed.item.id)
        if state is not None and state != assessed.status.state:
            failures.append(f"item {assessed.item.id}: recorded as {state}, but its answer and findings make it "
                            f"{assessed.status.state}")  # fmt: skip
    return pack, failures


def _checklist_changes(record: Record, pack: Pack) -> list[str]:
    """The pack's bytes, and each pack it extends in order, against the record's sha256s.
    Only the bytes bind: a pack file's name is the path it was opened by, which differs
    between the reviewer's checkout and the auditor's trusted copy."""
    ref = record.checklist
    now = [source.sha256 for source in pack.sources]
    then = [source.sha256 for source in ref.sources]
    if pack.sources and ref.sha256 == now[0] and now == then:
        return []
    pairs = itertools.zip_longest(ref.sources, pack.sources)
    changed = [(was or new).name for was, new in pairs if was is None or new is None or was.sha256 != new.sha256]
    return [
        f"checklist {ref.id} {ref.version} changed since the review: {', '.join(changed) or 'its bytes'} "
        f"now {pack.id} {pack.version} with a different sha256"
    ]


def _item_changes(record: Record, pack: Pack) -> list[str]:
    asked = [item.id for item in pack.asked_items(record.service.tier)]
    present = [item.id for item in record.items]
    if asked == present:
        return []
    asked_set, present_set = set(asked), set(present)
    missing = [i for i in asked if i not in present_set]
    extra = [i for i in present if i not in asked_set]
    failures = []
    if missing:
        failures.append(f"items the checklist asks at tier {record.service.tier} are missing: {', '.join(missing)}")
    if extra:
        failures.append(f"items the checklist does not ask at tier {record.service.tier}: {', '.join(extra)}")
    return failures
