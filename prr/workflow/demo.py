"""`prr demo`: a realistic example service to review, live for as long as the review runs.

Both faces call `demo_service` and review what it yields like any other repository; the
repository and the server exist only inside the `with` block."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prr.demo.repository import build_demo_repository
from prr.demo.server import DemoServer


@dataclass(frozen=True)
class DemoService:
    path: Path  # the demo repository's working tree
    url: str  # the live endpoint, also named in the repository's .prr/config.toml


@contextmanager
def demo_service(base: Path | None = None) -> Iterator[DemoService]:
    """Serve the demo endpoint and build the demo repository in a temporary folder (under
    BASE when given); stop the one and delete the other on the way out."""
    with DemoServer() as server, tempfile.TemporaryDirectory(prefix="prr-demo-", dir=base) as folder:
        yield DemoService(build_demo_repository(Path(folder), server.url), server.url)
