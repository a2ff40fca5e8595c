"""Dashboards as code: are they there, do they load, and do they show the golden signals?"""

from __future__ import annotations

from prr.probes.api import RepoProbe
from prr.probes.repo.dashboards import golden_signals, validity

PROBES: tuple[RepoProbe, ...] = (validity.PROBE, golden_signals.PROBE)
