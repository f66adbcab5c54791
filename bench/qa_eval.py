"""Measure the Q&A search: hit@1, hit@3, MRR, out-of-scope rejection and latency.

    python bench/qa_eval.py [--questions FILE ...]   (default ../shared/eval/qa-dev.jsonl)

Each JSONL line: {"question", "doc_id", "article_numbers", ...}; a line with
"out_of_scope": true expects no result. A hit is a result citing one of the question's
articles in its document; for a question on TTLT 100/2014 a citation of TT 56/2023
Điều 3 also counts. Every set is run twice, as written and with all diacritics
stripped, for our search and for a plain BM25 baseline over the same snippets
(questions + answer, whitespace tokens, no folding). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content.qa_loader import Snippet, load_snippets  # noqa: E402
from handlers.qa.search import QaIndex  # noqa: E402

DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "qa-dev.jsonl"
REPLACED = {"100/2014/TTLT-BTC-BTP": ("56/2023/TT-BTC", {3})}
DEPTH = 10


class PlainBM25:
    """The baseline: BM25 over questions + answer, whitespace tokens, nothing folded."""

    def __init__(self, snippets: Sequence[Snippet], k1: float = 1.2, b: float = 0.75) -> None:
        self.snippets = list(snippets)
        self.k1, self.b = k1, b
        self.docs = [Counter(" ".join([*s.questions, s.answer]).split()) for s in snippets]
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.avg = sum(self.lengths) / len(self.lengths)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def search(self, query: str, top: int) -> list[Snippet]:
        terms = query.split()
        scored = []
        for i, doc in enumerate(self.docs):
            score = 0.0
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
            for term in terms:
                tf = doc.get(term)
                if tf:
                    score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            if score > 0:
                scored.append((score, i))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [self.snippets[i] for _, i in scored[:top]]


def strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def is_hit(snippet: Snippet, item: dict) -> bool:
    targets = {(item["doc_id"], n) for n in item["article_numbers"]}
    if item["doc_id"] in REPLACED:
        doc, articles = REPLACED[item["doc_id"]]
        targets |= {(doc, n) for n in articles}
    return any((c.doc, c.article) in targets for c in snippet.cites)


def measure(
    items: list[dict], search: Callable[[str], list[Snippet]], transform: Callable[[str], str]
) -> dict:
    in_scope = [it for it in items if not it.get("out_of_scope")]
    oos = [it for it in items if it.get("out_of_scope")]
    hit1 = hit3 = rr = unanswered = 0.0
    misses = []
    for item in in_scope:
        results = search(transform(item["question"]))
        rank = next((i for i, s in enumerate(results, 1) if is_hit(s, item)), None)
        unanswered += not results
        if rank is None:
            misses.append({"question": item["question"], "got": [s.id for s in results[:3]]})
            continue
        hit1 += rank == 1
        hit3 += rank <= 3
        rr += 1 / rank
    n = len(in_scope) or 1
    out = {
        "n": len(in_scope),
        "hit@1": round(hit1 / n, 3),
        "hit@3": round(hit3 / n, 3),
        "mrr": round(rr / n, 3),
        "unanswered": int(unanswered),
    }
    if oos:
        rejected = [it for it in oos if not search(transform(it["question"]))]
        no_answer = len(rejected) + int(unanswered)
        out["out_of_scope"] = {
            "n": len(oos),
            # share of out-of-scope questions that got no result
            "rejected": round(len(rejected) / len(oos), 3),
            # share of "no result" replies that were right (out of scope, not missed)
            "precision": round(len(rejected) / no_answer, 3) if no_answer else None,
            "answered": [it["question"] for it in oos if it not in rejected],
        }
    out["misses"] = misses
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", action="append", type=Path)
    parser.add_argument("--verbose", action="store_true", help="list the misses")
    args = parser.parse_args(argv)
    files = args.questions or [DEFAULT_QUESTIONS]

    snippets = load_snippets()
    started = time.perf_counter()
    index = QaIndex.build(snippets)
    build_ms = (time.perf_counter() - started) * 1000
    baseline = PlainBM25(snippets)

    def ours(query: str) -> list[Snippet]:
        return [hit.snippet for hit in index.search(query, top=DEPTH)]

    def plain(query: str) -> list[Snippet]:
        return baseline.search(query, top=DEPTH)

    report: dict = {"snippets": len(snippets), "index_build_ms": round(build_ms, 1), "sets": {}}
    all_questions: list[str] = []
    for path in files:
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        all_questions += [it["question"] for it in items]
        entry = {}
        for name, search in (("ours", ours), ("baseline", plain)):
            entry[name] = {
                "as_written": measure(items, search, lambda q: q),
                "stripped": measure(items, search, strip_diacritics),
            }
            if not args.verbose:
                for form in entry[name].values():
                    form.pop("misses")
                    form.get("out_of_scope", {}).pop("answered", None)
        entry["margin_over_baseline"] = {
            form: {
                metric: round(entry["ours"][form][metric] - entry["baseline"][form][metric], 3)
                for metric in ("hit@1", "hit@3", "mrr")
            }
            for form in ("as_written", "stripped")
        }
        report["sets"][path.name] = entry

    timings = []
    for question in all_questions * 5:
        for query in (question, strip_diacritics(question)):
            started = time.perf_counter()
            index.search(query, top=3)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    report["latency_ms"] = {
        "queries": len(timings),
        "p50": round(statistics.median(timings), 3),
        "p95": round(timings[int(0.95 * (len(timings) - 1))], 3),
        "max": round(timings[-1], 3),
    }
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
