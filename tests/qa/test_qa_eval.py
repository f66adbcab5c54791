"""bench/qa_eval.py runs, at a tiny size, and prints the figures the issue asks for."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from bench import qa_eval

SETS = Path(__file__).resolve().parents[2] / "bench"


def test_the_evaluation_prints_every_figure_in_both_spellings():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert (
            qa_eval.main(
                [
                    "--limit",
                    "4",
                    "--questions",
                    str(SETS / "qa-real.jsonl"),
                    "--questions",
                    str(SETS / "qa-statute-dev.jsonl"),
                ]
            )
            == 0
        )
    report = json.loads(out.getvalue())
    assert report["latency_ms"]["p95"] is not None
    for entry in report["sets"].values():
        assert set(entry) == {"ours", "snippets", "bm25_statute", "bm25_snippets"}
        for system in entry.values():
            assert set(system) == {"as_written", "stripped"}
            for figures in system.values():
                assert {"hit@1", "hit@3", "mrr", "n"} <= set(figures)


def test_out_of_scope_precision_is_reported():
    items = [
        {"question": "Hòa giải viên tại Tòa án được bổ nhiệm thế nào?", "out_of_scope": True},
        {"question": "Tổ hòa giải cần mấy người?", "doc_id": "35/2013/QH13", "article_numbers": [12]},
    ]
    from handlers.qa import build_index

    index = build_index()
    figures = qa_eval.measure(items, lambda q: [h.snippet for h in index.search(q, top=3)], qa_eval.strip_diacritics)
    assert figures["hit@1"] == 1.0
    assert figures["out_of_scope"] == {"n": 1, "honest": 1.0, "precision": 1.0, "answered": []}


def test_every_real_question_names_its_source():
    lines = [
        line
        for name in ("qa-real.jsonl", "qa-real-2.jsonl")
        for line in (SETS / name).read_text(encoding="utf-8").splitlines()
    ]
    for line in lines:
        item = json.loads(line)
        assert item["source"].startswith("http") and item["question"].strip()
        assert item.get("out_of_scope") or item["article_numbers"]
