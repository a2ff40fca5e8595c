"""Import a Python file the user named explicitly (a scorer of their own).

Only ever called with a path from the user's command line or prr's own built-ins:
prr never runs code found in the repository under review."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from prr.domain.errors import InputError, Problem, ToolError


def import_file(path: Path, shown: str) -> ModuleType:
    if path.is_dir():
        raise InputError(f"{shown}: a folder, not a Python file")
    if not path.is_file():
        raise InputError(f"{shown}: no such file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{shown}: cannot read it (permission denied)")
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"prr_plugin_{path.stem.replace('-', '_')}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{shown}: not a Python file prr can import")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        problem = Problem(shown, exc.lineno or 1, exc.offset or 1, f"Python syntax error: {exc.msg}")
        raise InputError(problems=[problem]) from None
    except (Exception, SystemExit) as exc:  # the user's module may raise (or exit) on import; name it
        raise ToolError(f"{shown}: failed on import: {type(exc).__name__}: {exc}") from exc
    sys.modules[name] = module
    return module
