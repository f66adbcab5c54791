"""Imports point down: handlers/ and storage/ never touch a channel library; bot/ is the only one."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHANNEL_LIBS = {"telegram", "httpx", "starlette", "uvicorn"}
LAYERS = {"content": set(), "storage": {"content"}, "handlers": {"storage", "content"}}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_channel_libraries_only_in_bot():
    offenders = {
        str(p.relative_to(ROOT)): sorted(imports(p) & CHANNEL_LIBS)
        for layer in ("handlers", "storage", "content")
        for p in (ROOT / layer).rglob("*.py")
        if imports(p) & CHANNEL_LIBS
    }
    assert offenders == {}
    assert any(imports(p) & {"telegram"} for p in (ROOT / "bot").rglob("*.py"))


def test_layers_import_only_downwards():
    project = {"bot", "handlers", "storage", "content"}
    offenders = {}
    for layer, may_use in LAYERS.items():
        for p in (ROOT / layer).rglob("*.py"):
            bad = (imports(p) & project) - may_use - {layer}
            if bad:
                offenders[str(p.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def session_uses(path: Path) -> list[int]:
    """Lines reading a `.session` attribute (the unit of work's SQLAlchemy session)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "session"]


def test_handlers_go_through_repositories():
    """handlers/ neither imports SQLAlchemy nor reaches into the unit of work's session."""
    files = list((ROOT / "handlers").rglob("*.py"))
    assert files
    sqlalchemy = [str(p.relative_to(ROOT)) for p in files if "sqlalchemy" in imports(p)]
    sessions = {str(p.relative_to(ROOT)): lines for p in files if (lines := session_uses(p))}
    assert sqlalchemy == []
    assert sessions == {}


def _handler_imports(path: Path) -> set[str]:
    """The handlers.* modules a file imports (absolute imports, type-only ones included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("handlers.")
    }


def test_the_framework_and_shared_services_import_no_slice():
    """handlers/kit is the framework and handlers/common the services slices share: neither
    reaches into a slice, so a slice can be added or removed without touching them. (The kit
    names common's PushEnv, the push environment in Deps, for types only.)"""
    allowed = {"kit": ("handlers.kit", "handlers.common.outbox"), "common": ("handlers.kit", "handlers.common")}
    offenders = {}
    for package, prefixes in allowed.items():
        for p in (ROOT / "handlers" / package).rglob("*.py"):
            bad = sorted(m for m in _handler_imports(p) if not m.startswith(prefixes))
            if bad:
                offenders[str(p.relative_to(ROOT))] = bad
    assert offenders == {}
