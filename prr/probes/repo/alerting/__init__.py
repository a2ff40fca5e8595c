"""Alerting probes: do alert rules carry runbooks that resolve, are they sound, and does
some alert reach a pager?"""

from __future__ import annotations

from prr.probes.api import RepoProbe
from prr.probes.repo.alerting import paging, runbook_links, soundness

PROBES: tuple[RepoProbe, ...] = (runbook_links.PROBE, soundness.PROBE, paging.PROBE)
