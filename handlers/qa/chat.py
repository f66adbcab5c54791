"""Legal Q&A in chat: /hoidap, free text, /dieu N (or «điều 12 khoản 2 nđ 15»), and the
answer buttons.

Buttons: handlers/qa/buttons.py.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

from content.law_loader import Statute
from content.qa_loader import Document, Procedure, Snippet
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.flow import Flow
from handlers.kit.payload import pack
from handlers.kit.registry import EVERYONE, Command, On, Slice
from handlers.qa import views
from handlers.qa.buttons import QaArticle, QaCited, QaClause, QaExplain, QaLegacyArticle, QaOther
from handlers.qa.refs import LAW, parse_ref
from handlers.qa.search import QaIndex
from handlers.qa.views import answer_text, cites_text

__all__ = ["AskFlow", "LegalQa", "answer_text", "cites_text"]

MAX_QUESTION = 1200  # a story-like question fits; longer is asked again, shorter
ARTICLE_LISTED = 3
# The order of the documents in payloads of messages sent before documents had keys.
_LEGACY = (
    "01/2014/NQLT/CP-UBTƯMTTQVN",
    "100/2014/TTLT-BTC-BTP",
    "15/2014/NĐ-CP",
    "35/2013/QH13",
    "56/2023/TT-BTC",
)


class AskStep(enum.StrEnum):
    QUESTION = "question"


class AskFlow(Flow):
    """/hoidap alone: the next message is the question."""

    name = "ask"
    steps = AskStep

    def __init__(self, qa: LegalQa) -> None:
        self._qa = qa

    async def ask_question(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("qa.ask")]

    async def text_question(self, ctx: Ctx, text: str) -> list[Reply]:
        self.end(ctx)
        return self._qa.reply_to(ctx, text)


class LegalQa:
    def __init__(
        self,
        index: QaIndex,
        documents: Mapping[str, Document],
        statutes: Mapping[str, Statute] | None = None,
        procedures: Mapping[str, Procedure] | None = None,
    ) -> None:
        self.index = index
        self.documents = documents
        self.statutes = statutes or {}
        self.procedures = procedures or {}
        self._by_id = {s.id: s for s in index.snippets}
        self._by_key = {d.key: d for d in documents.values()}
        self.flow = AskFlow(self)

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("hoidap", self.ask_command, EVERYONE, "help.hoidap", "menu.hoidap", menu_rank=60),
                Command("dieu", self.article_command, EVERYONE, "help.dieu"),
            ],
            buttons=[
                On(QaOther, self.other, EVERYONE),
                On(QaCited, self.cited_button, EVERYONE),
                On(QaArticle, self.article_button, EVERYONE),
                On(QaClause, self.clause_button, EVERYONE),
                On(QaExplain, self.explain_button, EVERYONE),
                On(QaLegacyArticle, self.legacy_button, EVERYONE),
            ],
            flows=[self.flow],
            free_text=self.free_text,
        )

    # --- entry points ------------------------------------------------------------------
    async def ask_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        if not arg:
            self.flow.begin(ctx, "question")
            return await self.flow.ask_question(ctx)
        return self.reply_to(ctx, arg)

    async def article_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        ref = parse_ref(f"dieu {arg}", self.documents) if arg.strip() else None
        if ref is None:
            return [ctx.say("qa.article_usage")]
        if ref.doc is None:
            return [ctx.say("qa.unknown_doc")]
        return self.article(ctx, ref.doc, ref.article, ref.clause)

    async def free_text(self, ctx: Ctx, text: str) -> list[Reply] | None:
        return self.reply_to(ctx, text)

    def reply_to(self, ctx: Ctx, text: str) -> list[Reply]:
        """An article asked for by name («điều 12»), else the answer to a question."""
        ref = parse_ref(text, self.documents)
        if ref is not None and ref.doc is not None:
            return self.article(ctx, ref.doc, ref.article, ref.clause)
        return self.answer(ctx, text)

    async def other(self, ctx: Ctx, data: QaOther) -> list[Reply]:
        snippet = self._by_id.get(data.snippet_id)
        return [self.render(ctx, snippet, [])] if snippet else [ctx.say("error.stale_button")]

    async def cited_button(self, ctx: Ctx, data: QaCited) -> list[Reply]:
        snippet = self._by_id.get(data.snippet_id)
        return self.cited(ctx, snippet) if snippet else [ctx.say("error.stale_button")]

    async def article_button(self, ctx: Ctx, data: QaArticle) -> list[Reply]:
        found = self._find(data.doc, data.article)
        if found is None:
            return [ctx.say("error.stale_button")]
        return self.article(ctx, found[0].id, found[1], None, explain=True)

    async def clause_button(self, ctx: Ctx, data: QaClause) -> list[Reply]:
        found = self._find(data.doc, data.article)
        if found is None:
            return [ctx.say("error.stale_button")]
        return self.article(ctx, found[0].id, found[1], data.clause, explain=False)

    async def explain_button(self, ctx: Ctx, data: QaExplain) -> list[Reply]:
        found = self._find(data.doc, data.article)
        return [self.explanations(ctx, *found)] if found else [ctx.say("error.stale_button")]

    async def legacy_button(self, ctx: Ctx, data: QaLegacyArticle) -> list[Reply]:
        if data.doc_index >= len(_LEGACY) or data.article > 999:
            return [ctx.say("error.stale_button")]
        return self.article(ctx, _LEGACY[data.doc_index], data.article)

    def _find(self, key: str, article: str) -> tuple[Document, int | str] | None:
        doc = self._by_key.get(key)
        number = None if doc is None else self._article_number(doc.id, article)
        return None if doc is None or number is None else (doc, number)

    # --- answers -----------------------------------------------------------------------
    def answer(self, ctx: Ctx, question: str) -> list[Reply]:
        if len(question) > MAX_QUESTION:
            return [ctx.say("qa.too_long", limit=MAX_QUESTION)]
        hits = self.index.search(question, top=3)
        if not hits:
            return [ctx.say("qa.unknown")]
        return [self.render(ctx, hits[0].snippet, [h.snippet for h in hits[1:]])]

    def render(self, ctx: Ctx, unit: Snippet, others: Sequence[Snippet]) -> Reply:
        text = answer_text(unit, self.documents, ctx.t, self.statutes, self.procedures)
        others = [] if unit.outside else others  # not our field: no grassroots answers beside it
        buttons = [
            Button.of(ctx.t("qa.other", n=i, question=views.label(s.questions[0])), QaOther(s.id))
            for i, s in enumerate(others, 2)
        ]
        cite = unit.cites[0]
        doc = self.documents.get(cite.doc)
        if doc is not None and unit.verbatim:
            if self.index.by_article(cite.doc, cite.article):
                buttons.append(Button(ctx.t("qa.btn_explain"), self._payload(QaExplain, doc, cite.article)))
            buttons.append(
                Button(
                    ctx.t("qa.btn_full", where=self._where(ctx, doc, cite.article)),
                    self._payload(QaArticle, doc, cite.article),
                )
            )
        elif doc is not None and not unit.outside:
            buttons.append(
                Button(
                    ctx.t("qa.article_button", where=self._where(ctx, doc, cite.article)),
                    pack(QaCited(unit.id)),
                )
            )
        return Reply(text, rows(*buttons))

    def cited(self, ctx: Ctx, snippet: Snippet) -> list[Reply]:
        """The clauses an answer cites, each in the law's own words (or marked as not held)."""
        pages: list[str] = []
        buttons: list[Button] = []
        grouped: dict[tuple[str, int | str], list[int]] = {}
        for cite in snippet.cites:
            grouped.setdefault((cite.doc, cite.article), [])
            if cite.clause is not None:
                grouped[(cite.doc, cite.article)].append(cite.clause)
        for (doc_id, number), clauses in grouped.items():
            doc, statute = self.documents[doc_id], self.statutes.get(doc_id)
            held = statute.articles.get(number) if statute else None
            if statute is None or held is None:
                pages.append(
                    ctx.t(
                        "qa.article_missing",
                        article=views.article_name(number, ctx.t),
                        doc=doc.short,
                        link=doc.link,
                    )
                )
                continue
            pages.extend(views.article_pages(statute, held, doc, ctx.t, clauses))
            if clauses and len(buttons) < 3:
                buttons.append(
                    Button(
                        ctx.t("qa.btn_full", where=self._where(ctx, doc, number)),
                        self._payload(QaArticle, doc, number),
                    )
                )
        replies = [Reply(page) for page in views.split(pages)]
        return replies[:-1] + [Reply(replies[-1].text, rows(*buttons))]

    def article(
        self,
        ctx: Ctx,
        doc_id: str,
        number: int | str,
        clause: int | None = None,
        explain: bool = True,
    ) -> list[Reply]:
        """An article's title and text (or one clause), then our explanations of it."""
        doc = self.documents.get(doc_id)
        statute = self.statutes.get(doc_id)
        if doc is None or (isinstance(number, int) and not 1 <= number <= doc.articles):
            return [
                ctx.say(
                    "qa.no_article",
                    count=doc.articles if doc else 0,
                    doc=doc.short if doc else doc_id,
                )
            ]
        held = statute.articles.get(number) if statute else None
        explained = self.explanations(ctx, doc, number)
        if statute is None or held is None:
            title = statute.missing.get(number, "") if statute and isinstance(number, int) else ""
            missing = ctx.t(
                "qa.article_missing",
                article=views.article_name(number, ctx.t),
                doc=doc.short,
                link=doc.link,
            )
            if title:
                missing = f"{missing}\n{ctx.t('qa.article_title', title=title)}"
            return [Reply(missing), explained]
        if clause is not None and held.clause(clause) is None:
            return [
                ctx.say(
                    "qa.no_clause",
                    article=views.article_name(number, ctx.t),
                    clause=clause,
                    count=len([c for c in held.clauses if c.number]),
                )
            ]
        numbered = [c.number for c in held.clauses if c.number is not None]
        if clause is None and len(held.text) > views.LONG_ARTICLE and numbered:
            head = views.article_pages(statute, held, doc, ctx.t, [numbered[0]])[0].split("\n\n")[0]
            picks = [
                Button(ctx.t("qa.btn_clause", clause=n), self._payload(QaClause, doc, number, n)) for n in numbered
            ]
            return [
                Reply(
                    f"{head}\n\n{ctx.t('qa.article_long', count=len(numbered))}",
                    rows(*picks, per_row=4),
                ),
                explained,
            ]
        pages = views.article_pages(statute, held, doc, ctx.t, [clause] if clause else ())
        return [Reply(page) for page in pages] + ([explained] if explain else [])

    def explanations(self, ctx: Ctx, doc: Document, number: int | str) -> Reply:
        """Our plain-language answers citing an article, kept apart from its text."""
        found = self.index.by_article(doc.id, number)
        where = self._where(ctx, doc, number)
        if not found:
            return ctx.say("qa.article_empty", where=where)
        text = ctx.t("qa.explain_head", where=where)
        shown = 0
        for snippet in found[:ARTICLE_LISTED]:
            item = ctx.t("qa.article_item", question=snippet.questions[0], answer=snippet.answer)
            if len(text) + 2 + len(item) > views.CHUNK + 300:
                break
            text, shown = f"{text}\n\n{item}", shown + 1
        more = [Button.of(views.label(s.questions[0], 60), QaOther(s.id)) for s in found[shown : shown + 5]]
        return Reply(text, rows(*more))

    def inline(self, query: str, top: int = 5) -> list[tuple[str, str, str]]:
        """(id, title, full text) of the best answers, for Telegram's inline mode."""
        from content.catalog import load_catalog

        t = load_catalog().t
        return [
            (
                hit.snippet.id,
                hit.snippet.questions[0],
                answer_text(hit.snippet, self.documents, t, self.statutes, self.procedures),
            )
            for hit in self.index.search(query[:MAX_QUESTION], top=top)
        ]

    # --- helpers -----------------------------------------------------------------------
    def _where(self, ctx: Ctx, doc: Document, number: int | str) -> str:
        name = views.article_name(number, ctx.t)
        return name if doc.id == LAW else f"{name} {doc.abbr}"

    @staticmethod
    def _payload(kind: type, doc: Document, number: int | str, clause: int | None = None) -> str:
        article = str(number) if isinstance(number, int) else "pl"
        return pack(kind(doc.key, article) if clause is None else kind(doc.key, article, clause))

    def _article_number(self, doc_id: str, text: str) -> int | str | None:
        if text.isdecimal() and len(text) <= 3:
            return int(text)
        statute = self.statutes.get(doc_id)
        if text == "pl" and statute is not None:
            return next((n for n in statute.articles if isinstance(n, str)), None)
        return None
