"""Legal Q&A in chat: /hoidap, free text, /dieu N (or "điều 12"), and the answer buttons."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from content.qa_loader import Cite, Document, Snippet
from handlers.core import Button, Ctx, Reply, rows
from handlers.flow import Flow
from handlers.qa.search import QaIndex
from handlers.registry import EVERYONE, Command, Slice
from handlers.text import fold

LAW = "35/2013/QH13"
MAX_QUESTION = 500
ARTICLE_LISTED = 4
_ARTICLE = re.compile(r"^(?:dieu|d)\s*(\d{1,3})\s*$")


def cites_text(cites: Sequence[Cite], documents: Mapping[str, Document], t) -> str:
    """"Điều 12 khoản 1, 2; Điều 14 khoản 1, Luật Hòa giải ở cơ sở (35/2013/QH13)"."""
    by_doc: dict[str, dict[int, list[int | None]]] = {}
    for c in cites:
        by_doc.setdefault(c.doc, {}).setdefault(c.article, []).append(c.clause)
    groups = []
    for doc_id, articles in by_doc.items():
        where = []
        for article, clauses in articles.items():
            name = t("qa.cite_article", article=article) if isinstance(article, int) else article
            if None in clauses:
                where.append(name)
            else:
                where.append(t("qa.cite_clause", where=name, clause=", ".join(map(str, clauses))))
        doc = documents.get(doc_id)
        groups.append(f"{'; '.join(where)}, {doc.short} ({doc.id})" if doc else f"{'; '.join(where)}, {doc_id}")
    return " | ".join(groups)


def answer_text(snippet: Snippet, documents: Mapping[str, Document], t) -> str:
    return t("qa.answer", question=snippet.questions[0], answer=snippet.answer,
             cites=cites_text(snippet.cites, documents, t), link=snippet.link)


class AskFlow(Flow):
    """/hoidap alone: the next message is the question."""

    name = "ask"

    def __init__(self, qa: LegalQa) -> None:
        self._qa = qa

    async def ask_question(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("qa.ask")]

    async def text_question(self, ctx: Ctx, text: str) -> list[Reply]:
        self.end(ctx)
        return self._qa.answer(ctx, text)


class LegalQa:
    def __init__(self, index: QaIndex, documents: Mapping[str, Document]) -> None:
        self.index = index
        self.documents = documents
        self._doc_ids = sorted(documents)
        self._by_id = {s.id: s for s in index.snippets}
        self.flow = AskFlow(self)

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("hoidap", self.ask_command, EVERYONE, "help.hoidap", "menu.hoidap", menu_rank=60),
                Command("dieu", self.article_command, EVERYONE, "help.dieu"),
            ],
            actions={"qa": self.qa_button},
            flows=[self.flow],
            free_text=self.free_text,
        )

    # --- entry points ------------------------------------------------------------------
    async def ask_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        if not arg:
            self.flow.begin(ctx, "question")
            return await self.flow.ask_question(ctx)
        return self.answer(ctx, arg)

    async def article_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        number = arg.strip().split()[0] if arg.strip() else ""
        if not number.isdecimal() or len(number) > 3:
            return [ctx.say("qa.article_usage")]
        return self.article(ctx, LAW, int(number))

    async def free_text(self, ctx: Ctx, text: str) -> list[Reply] | None:
        m = _ARTICLE.match(fold(text))
        if m:
            return self.article(ctx, LAW, int(m.group(1)))
        return self.answer(ctx, text)

    async def qa_button(self, ctx: Ctx, parts: list[str]) -> list[Reply]:
        if parts[0] == "s" and len(parts) == 2 and parts[1] in self._by_id:
            return [self.render(ctx, self._by_id[parts[1]], [])]
        if parts[0] == "d" and len(parts) == 3 and parts[1].isdecimal() and parts[2].isdecimal() \
                and len(parts[1]) <= 3 and len(parts[2]) <= 3:
            index = int(parts[1])
            if index < len(self._doc_ids):
                return self.article(ctx, self._doc_ids[index], int(parts[2]))
        return [ctx.say("error.stale_button")]

    # --- answers -----------------------------------------------------------------------
    def answer(self, ctx: Ctx, question: str) -> list[Reply]:
        if len(question) > MAX_QUESTION:
            return [ctx.say("qa.too_long", limit=MAX_QUESTION)]
        hits = self.index.search(question, top=3)
        if not hits:
            return [ctx.say("qa.unknown")]
        return [self.render(ctx, hits[0].snippet, [h.snippet for h in hits[1:]])]

    def render(self, ctx: Ctx, snippet: Snippet, others: Sequence[Snippet]) -> Reply:
        text = answer_text(snippet, self.documents, ctx.t)
        buttons = [Button(ctx.t("qa.other", n=i, question=s.questions[0][:48]), f"qa:s:{s.id}")
                   for i, s in enumerate(others, 2)]
        first = snippet.cites[0]
        if first.doc in self.documents:
            buttons.append(Button(ctx.t("qa.article_button", article=first.article),
                                  f"qa:d:{self._doc_ids.index(first.doc)}:{first.article}"))
        return Reply(text, rows(*buttons))

    def article(self, ctx: Ctx, doc_id: str, number: int) -> list[Reply]:
        doc = self.documents.get(doc_id)
        if doc is None or not 1 <= number <= doc.articles:
            return [ctx.say("qa.no_article", count=doc.articles if doc else 0,
                            doc=doc.short if doc else doc_id)]
        found = self.index.by_article(doc_id, number)
        if not found:
            return [ctx.say("qa.article_empty", article=number, doc=doc.short, link=doc.link)]
        parts = [ctx.t("qa.article_head", article=number, doc=doc.short, id=doc.id)]
        parts += [ctx.t("qa.article_item", question=s.questions[0], answer=s.answer)
                  for s in found[:ARTICLE_LISTED]]
        parts.append(ctx.t("qa.article_link", link=doc.link))
        more = [Button(s.questions[0][:60], f"qa:s:{s.id}") for s in found[ARTICLE_LISTED:ARTICLE_LISTED + 6]]
        return [Reply("\n\n".join(parts), rows(*more))]

    def inline(self, query: str, top: int = 5) -> list[tuple[str, str, str]]:
        """(id, title, full text) of the best answers, for Telegram's inline mode."""
        from content.catalog import load_catalog

        t = load_catalog().t
        results = []
        for hit in self.index.search(query[:MAX_QUESTION], top=top):
            results.append((hit.snippet.id, hit.snippet.questions[0], answer_text(hit.snippet, self.documents, t)))
        return results
