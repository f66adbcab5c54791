"""`python -m bot ask "câu hỏi" [--top N] [--json]`, or `ask --json -` for one question per
stdin line (one JSON object per output line, flushed as it goes).

JSON: {"query": ..., "results": [{"id", "question", "answer", "score",
"cites": [{"doc", "article", "clause"}]}]}; an empty results list means no answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from content.catalog import Catalog, load_catalog
from content.qa_loader import Document, load_documents
from handlers.qa import build_index
from handlers.qa.chat import answer_text
from handlers.qa.search import Hit

# Every sentence printed comes from the message catalog (content/messages/qa.toml):
# qa.question, qa.cites, qa.link, qa.quote_head, qa.unknown, qa.cite_article, qa.cite_clause.


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser("ask", help="answer a legal question on grassroots mediation")
    parser.add_argument("question", help='the question, or "-" to read one per line from stdin')
    parser.add_argument("--top", type=_positive, default=3, help="at most N answers (3)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=lambda args, settings: run(args))
    return parser


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or _utf8(sys.stdin)
    stdout = stdout or _utf8(sys.stdout)
    index = build_index()
    documents = load_documents()
    top = getattr(args, "top", 3)
    as_json = getattr(args, "json", False)
    catalog = None if as_json else load_catalog()
    questions = (line.rstrip("\r\n") for line in stdin) if args.question == "-" else [args.question]
    for question in questions:
        hits = index.search(question, top=top) if question.strip() else []
        if catalog is None:  # --json: no catalog sentences
            stdout.write(json.dumps(to_json(question, hits), ensure_ascii=False) + "\n")
        else:
            stdout.write(render(hits, documents, catalog) + "\n")
        stdout.flush()
    return 0


def to_json(query: str, hits: list[Hit]) -> dict[str, Any]:
    return {
        "query": query,
        "results": [
            {
                "id": hit.snippet.id,
                "question": hit.snippet.questions[0],
                "answer": hit.snippet.answer,
                "score": hit.score,
                "cites": [{"doc": c.doc, "article": c.article, "clause": c.clause} for c in hit.snippet.cites],
            }
            for hit in hits
        ],
    }


def render(hits: list[Hit], documents: Mapping[str, Document], catalog: Catalog) -> str:
    if not hits:
        return catalog.t("qa.unknown")
    blocks = [answer_text(hit.snippet, documents, catalog.t) for hit in hits]
    if len(blocks) > 1:
        blocks = [f"{number}. {text}" for number, text in enumerate(blocks, start=1)]
    return "\n\n".join(blocks)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _utf8(stream: TextIO) -> TextIO:
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8", errors="replace")  # a stray byte is no fault
    return stream
