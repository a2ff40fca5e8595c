"""The lines the secret scan reads: every line holding one of its words, in any case the
regex engine folds (the fast search must skip none of them)."""

from __future__ import annotations

from prr.probes.repo.security import _candidate_lines


def test_secret_candidate_lines_are_every_line_holding_a_word_in_any_case() -> None:
    text = "plain\nname: a, key: b, token: c\n\nAPI_TOKEN=1\n\u017fecret: x\n\u212aey: y\nhttps://u:p@h\nlast"
    assert _candidate_lines(text) == [1, 3, 4, 5, 6]
