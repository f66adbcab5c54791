"""Measure the Q&A search: hit@1, hit@3, MRR, honest answers out of scope, and latency.

    python bench/qa_eval.py [--questions FILE ...] [--limit N] [--verbose]

Default sets: ../shared/eval/qa-dev.jsonl (when present), bench/qa-extra.jsonl and
bench/qa-statute-dev.jsonl (written by us; the search's weights are tuned on these three) and
bench/qa-real.jsonl and bench/qa-real-2.jsonl (real questions with their source, held out).
The "summary" gives, per set and system, hit@1 / hit@3 / MRR as written and stripped, and out-of-scope precision.
Each JSONL line: {"question", "doc_id", "article_numbers", ...}; optional "also" (other
{"doc_id", "article_numbers"} that answer it too), "procedure" (a published procedure
code whose answer counts), "current_basis" (the text now in force). A line with
"out_of_scope": true expects an honest answer: nothing, or a snippet that says the
question is outside grassroots mediation and where to ask ("outside").

Every set runs as written and with all diacritics stripped, for four systems:
- ours: snippets and the statutes' clauses (what the bot uses);
- snippets: our snippets alone;
- bm25_statute: plain BM25 over the statutes' articles (title + text, folded, syllables
  and syllable pairs);
- bm25_snippets: plain BM25 over the snippets (questions + answer, whitespace tokens).
Prints JSON, with the p50/p95 latency of ours.
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

from content.law_loader import Statute, load_statutes  # noqa: E402
from content.qa_loader import Cite, Snippet, load_documents, load_snippets  # noqa: E402
from handlers.qa import textnorm as tn  # noqa: E402
from handlers.qa.search import QaIndex  # noqa: E402

SHARED_DEV = ROOT.parent / "shared" / "eval" / "qa-dev.jsonl"
DEFAULT_SETS = [
    SHARED_DEV,
    ROOT / "bench" / "qa-extra.jsonl",
    ROOT / "bench" / "qa-statute-dev.jsonl",
    ROOT / "bench" / "qa-real.jsonl",
    ROOT / "bench" / "qa-real-2.jsonl",
]
# The search's weights are tuned on these sets; the others are held out (never tuned on).
TUNED = {"qa-dev.jsonl", "qa-extra.jsonl", "qa-statute-dev.jsonl"}
REPLACED = {"100/2014/TTLT-BTC-BTP": ("56/2023/TT-BTC", {3})}
DEPTH = 10
Search = Callable[[str], list[Snippet]]


def strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


class PlainBM25:
    """BM25 over documents given as token lists (k1 1.2, b 0.75)."""

    def __init__(self, docs: Sequence[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [Counter(d) for d in docs]
        self.k1, self.b = k1, b
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / max(len(self.lengths), 1)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def rank(self, terms: list[str], top: int) -> list[int]:
        scored = []
        for i, doc in enumerate(self.docs):
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
            score = sum(self.idf[t] * doc[t] * (self.k1 + 1) / (doc[t] + norm) for t in terms if t in doc)
            if score > 0:
                scored.append((score, i))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [i for _, i in scored[:top]]


def statute_baseline(statutes: dict[str, Statute], documents) -> Search:
    """Plain BM25 over whole articles: folded syllables and syllable pairs, nothing else."""
    articles: list[Snippet] = []
    docs: list[list[str]] = []
    for doc_id, statute in statutes.items():
        for article in statute.articles.values():
            tokens = [tn.fold(t) for t in tn.syllables(f"{article.title} {article.text}")]
            docs.append(tokens + tn.bigrams(tokens))
            articles.append(
                Snippet(
                    id=f"{doc_id}:{article.number}",
                    questions=(article.title,),
                    answer="",
                    cites=(Cite(doc_id, article.number),),
                    keywords=(),
                    link=documents[doc_id].link,
                    verbatim=True,
                )
            )
    bm25 = PlainBM25(docs)

    def search(query: str) -> list[Snippet]:
        tokens = [tn.fold(t) for t in tn.syllables(query)]
        return [articles[i] for i in bm25.rank(tokens + tn.bigrams(tokens), DEPTH)]

    return search


def snippet_baseline(snippets: Sequence[Snippet]) -> Search:
    """Plain BM25 over the snippets' questions and answer, whitespace tokens, nothing folded."""
    bm25 = PlainBM25([" ".join([*s.questions, s.answer]).split() for s in snippets])
    return lambda query: [snippets[i] for i in bm25.rank(query.split(), DEPTH)]


def targets(item: dict) -> set[tuple[str, int | str]]:
    found = {(item["doc_id"], n) for n in item.get("article_numbers", [])}
    for extra in [*item.get("also", []), item.get("current_basis") or {}]:
        found |= {(extra["doc_id"], n) for n in extra.get("article_numbers", [])}
    if item.get("doc_id") in REPLACED:
        doc, articles = REPLACED[item["doc_id"]]
        found |= {(doc, n) for n in articles}
    return found


def is_hit(snippet: Snippet, item: dict) -> bool:
    if item.get("procedure") and item["procedure"] in snippet.procedures:
        return True
    wanted = targets(item)
    return any((c.doc, c.article) in wanted for c in snippet.cites) and not snippet.outside


def honest(results: list[Snippet]) -> bool:
    return not results or results[0].outside


def measure(items: list[dict], search: Search, transform: Callable[[str], str]) -> dict:
    in_scope = [it for it in items if not it.get("out_of_scope")]
    oos = [it for it in items if it.get("out_of_scope")]
    hit1 = hit3 = rr = 0.0
    declined = 0  # in-scope questions answered "not my field" or not at all
    misses = []
    for item in in_scope:
        results = search(transform(item["question"]))
        declined += honest(results)
        rank = next((i for i, s in enumerate(results, 1) if is_hit(s, item)), None)
        if rank is None or rank > 3:
            misses.append({"question": item["question"][:160], "got": [s.id for s in results[:3]]})
        if rank is None:
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
        "declined": declined,
    }
    if oos:
        ok = [it for it in oos if honest(search(transform(it["question"])))]
        out["out_of_scope"] = {
            "n": len(oos),
            # share of out-of-scope questions answered honestly (nothing, or "not my field")
            "honest": round(len(ok) / len(oos), 3),
            # share of the honest "not my field / no answer" replies that were right
            "precision": round(len(ok) / (len(ok) + declined), 3) if ok or declined else None,
            "answered": [it["question"][:120] for it in oos if it not in ok],
        }
    out["misses"] = misses
    return out


def _brief(forms: dict) -> dict:
    """hit@1 / hit@3 / MRR as written and without diacritics, and out-of-scope precision."""
    out = {}
    for form, m in forms.items():
        out[form] = f"{m['hit@1']:.3f} / {m['hit@3']:.3f} / {m['mrr']:.3f}"
        if "out_of_scope" in m:
            oos = m["out_of_scope"]
            out[f"{form}_oos"] = f"honest {oos['honest']:.3f}, precision {oos['precision']}"
    return out


def load_items(path: Path, limit: int | None) -> list[dict]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items[:limit] if limit else items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", action="append", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N questions of each set")
    parser.add_argument("--systems", default="ours,snippets,bm25_statute,bm25_snippets")
    parser.add_argument("--verbose", action="store_true", help="list the misses")
    args = parser.parse_args(argv)
    files = args.questions or [p for p in DEFAULT_SETS if p.is_file()]

    snippets, documents, statutes = load_snippets(), load_documents(), dict(load_statutes())
    started = time.perf_counter()
    index = QaIndex.build(snippets, statutes, documents)
    build_ms = (time.perf_counter() - started) * 1000
    plain = QaIndex.build(snippets)
    systems: dict[str, Search] = {
        "ours": lambda q: [h.snippet for h in index.search(q, top=DEPTH)],
        "snippets": lambda q: [h.snippet for h in plain.search(q, top=DEPTH)],
        "bm25_statute": statute_baseline(statutes, documents),
        "bm25_snippets": snippet_baseline(snippets),
    }
    chosen = [s for s in args.systems.split(",") if s in systems]

    report: dict = {
        "snippets": len(snippets),
        "units": len(index.snippets),
        "index_build_ms": round(build_ms, 1),
        "sets": {},
    }
    questions: list[str] = []
    for path in files:
        items = load_items(path, args.limit)
        questions += [it["question"] for it in items]
        entry: dict = {}
        for name in chosen:
            entry[name] = {
                "as_written": measure(items, systems[name], lambda q: q),
                "stripped": measure(items, systems[name], strip_diacritics),
            }
            if not args.verbose:
                for form in entry[name].values():
                    form.pop("misses")
                    form.get("out_of_scope", {}).pop("answered", None)
        report["sets"][path.name] = entry
        report.setdefault("summary", {})[path.name] = {
            "role": "tuned" if path.name in TUNED else "held-out",
            **{name: _brief(entry[name]) for name in chosen},
        }

    timings = []
    for question in questions * 3:
        for query in (question, strip_diacritics(question)):
            started = time.perf_counter()
            index.search(query, top=3)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    report["latency_ms"] = {
        "queries": len(timings),
        "p50": round(statistics.median(timings), 3) if timings else None,
        "p95": round(timings[int(0.95 * (len(timings) - 1))], 3) if timings else None,
        "max": round(timings[-1], 3) if timings else None,
    }
    json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
