"""The pure core: checklists, answers, findings, verdicts.

Nothing under this package performs I/O or imports textual, click, git or httpx;
tests/test_layers.py enforces that.
"""
