"""Every sentence lives in the catalog: keys used in code exist, placeholders match."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from content.catalog import Catalog, load_catalog
from handlers.cases.usecases import CATEGORIES, END_REASONS, EXCLUSIONS, SOURCES
from storage.models import CaseStatus, Role, UnitKind

ROOT = Path(__file__).resolve().parents[2]
VIET = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
# t("key"), say("key"), button("key"), option(ctx, step, value, "key"), and keyword key= forms
CALL = re.compile(
    r"""\b(?:t|say|button)\(\s*"([a-z_]+\.[a-z0-9_.]+)"|option\([^)]*?,\s*"([a-z_]+\.[a-z0-9_.]+)"\s*[,)]"""
)


def used_keys() -> set[str]:
    keys: set[str] = set()
    for pkg in ("bot", "handlers", "storage"):
        for path in (ROOT / pkg).rglob("*.py"):
            for m in CALL.finditer(path.read_text(encoding="utf-8")):
                keys.add(m.group(1) or m.group(2))
    return keys


def test_every_literal_key_exists():
    catalog = load_catalog()
    keys = used_keys()
    assert len(keys) > 80
    missing = sorted(k for k in keys if not catalog.has(k))
    assert missing == []


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("category", CATEGORIES),
        ("source", SOURCES),
        ("end_reason", END_REASONS),
        ("exclusion", EXCLUSIONS),
        ("status", [s.value for s in CaseStatus]),
        ("role", [r.value for r in Role]),
        ("unit_kind", [k.value for k in UnitKind]),
    ],
)
def test_every_enumerated_key_exists(prefix, values):
    catalog = load_catalog()
    assert [v for v in values if not catalog.has(f"{prefix}.{v}")] == []


def test_missing_key_and_missing_placeholder_raise():
    catalog = Catalog.from_toml('[a]\nb = "Xin chào {name}"\n')
    assert catalog.t("a.b", name="Lan") == "Xin chào Lan"
    with pytest.raises(KeyError):
        catalog.t("a.c")
    with pytest.raises(KeyError):
        catalog.t("a.b")


def _sentences(path: Path) -> list[str]:
    """String literals (not docstrings) with Vietnamese letters and three or more words."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and VIET.search(node.value)
        and len(node.value.split()) >= 3
    ]


def test_no_vietnamese_sentences_in_python():
    offenders = [
        hit for pkg in ("bot", "handlers", "storage") for p in (ROOT / pkg).rglob("*.py") for hit in _sentences(p)
    ]
    assert offenders == []


def test_a_key_defined_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Catalog.from_toml('[a]\nb = "x"\n', '[a]\nb = "y"\n')
