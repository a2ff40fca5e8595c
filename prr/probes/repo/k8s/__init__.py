"""Kubernetes resources in a repository's YAML, with the line each part sits on.

Shared by the workload and delivery probes: `load()` reads every resource of the service
(Helm chart templates rendered lightly, see template_render), and the fields helpers read
values without ever judging what prr could not render."""

from prr.probes.repo.k8s.fields import (
    PLACEHOLDER,
    UNKNOWN,
    as_int,
    get,
    items,
    line_of,
    mapping,
    shown,
    templated,
)
from prr.probes.repo.k8s.loading import YAML_CANDIDATES, load, selects_yaml, yaml_probe
from prr.probes.repo.k8s.resources import Manifests, Resource
from prr.probes.repo.k8s.yaml_lines import YMap, YSeq, parse_json_or_yaml, parse_yaml

__all__ = [
    "PLACEHOLDER",
    "UNKNOWN",
    "YAML_CANDIDATES",
    "Manifests",
    "Resource",
    "YMap",
    "YSeq",
    "as_int",
    "get",
    "items",
    "line_of",
    "load",
    "mapping",
    "parse_json_or_yaml",
    "parse_yaml",
    "selects_yaml",
    "shown",
    "templated",
    "yaml_probe",
]
