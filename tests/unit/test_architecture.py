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
