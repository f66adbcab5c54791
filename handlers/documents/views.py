"""/tailieu: the document library. Officials publish documents (PDF, Word, Excel, images) to
everyone at or under their unit, with a title and a topic; everyone there finds them (latest
first, by topic, by words of the title, with or without diacritics) and gets the file, however
long after it was published; the official sees how many people of each team opened it, and may
withdraw it."""

from __future__ import annotations

from handlers.documents.buttons import (
    DocFind,
    DocLatest,
    DocMine,
    DocNew,
    DocOpen,
    DocReach,
    DocTopic,
    DocTopics,
    DocWithdraw,
    DocWithdrawSure,
)
from handlers.documents.flows import PublishFlow, SearchFlow
from handlers.documents.render import PAGE, doc_label, listing, opened, reach, shelf_buttons, topic_label
from handlers.documents.usecases import open_document, own_document, withdraw
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.registry import MEMBERS, OFFICIALS, Command, On, Slice
from handlers.kit.text import fold
from storage.models import Topic

MAX_WORDS = 8


class Documents:
    def __init__(self) -> None:
        self.publish = PublishFlow()
        self.finder = SearchFlow(self.search)

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("tailieu", self.library_command, MEMBERS, "help.tailieu", "menu.tailieu", menu_rank=42)],
            buttons=[
                On(DocOpen, self.open_button),
                On(DocLatest, self.latest_button),
                On(DocTopics, self.topics_button),
                On(DocTopic, self.topic_button),
                On(DocFind, self.find_button),
                On(DocNew, self.new_button, OFFICIALS),
                On(DocMine, self.mine_button, OFFICIALS),
                On(DocReach, self.reach_button, OFFICIALS),
                On(DocWithdraw, self.withdraw_button, OFFICIALS),
                On(DocWithdrawSure, self.withdraw_sure_button, OFFICIALS),
            ],
            flows=[self.publish, self.finder],
        )

    async def library_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        """/tailieu: the latest documents; /tailieu <words>: those whose title has these words."""
        if arg.strip():
            return await self.search(ctx, arg)
        return await self.latest_button(ctx, DocLatest(0))

    async def latest_button(self, ctx: Ctx, data: DocLatest) -> list[Reply]:
        docs, total = await ctx.uow.documents.find(ctx.me, offset=data.offset, limit=PAGE)
        heading = ctx.t("doc.latest_title", total=total) if total else ctx.t("doc.empty")
        more = DocLatest(data.offset + PAGE if data.offset + PAGE < total else 0)
        return [listing(ctx, heading, docs, total, data.offset, more, *shelf_buttons(ctx))]

    async def topics_button(self, ctx: Ctx, data: DocTopics) -> list[Reply]:
        options = [Button.of(topic_label(ctx, t), DocTopic(t, 0)) for t in Topic]
        return [ctx.say("doc.ask_shelf", rows(*options))]

    async def topic_button(self, ctx: Ctx, data: DocTopic) -> list[Reply]:
        docs, total = await ctx.uow.documents.find(ctx.me, topic=data.topic, offset=data.offset, limit=PAGE)
        label = topic_label(ctx, data.topic)
        heading = ctx.t("doc.topic_title", topic=label, total=total) if total else ctx.t("doc.topic_empty", topic=label)
        more = DocTopic(data.topic, data.offset + PAGE if data.offset + PAGE < total else 0)
        return [listing(ctx, heading, docs, total, data.offset, more, *shelf_buttons(ctx))]

    async def find_button(self, ctx: Ctx, data: DocFind) -> list[Reply]:
        return await self.finder.start(ctx)

    async def search(self, ctx: Ctx, text: str) -> list[Reply]:
        """Words of a title, typed with or without diacritics, in any order."""
        words = list(dict.fromkeys(fold(text).split()))[:MAX_WORDS]
        if not words:
            return [ctx.say("doc.search_empty", rows(ctx.button("doc.find", DocFind())))]
        docs, total = await ctx.uow.documents.find(ctx.me, words=words, limit=PAGE)
        query = " ".join(words)
        heading = ctx.t("doc.found", query=query, total=total) if total else ctx.t("doc.not_found_words", query=query)
        return [listing(ctx, heading, docs, total, 0, None, *shelf_buttons(ctx))]

    async def open_button(self, ctx: Ctx, data: DocOpen) -> list[Reply]:
        return [opened(ctx, await open_document(ctx.uow, ctx.me, data.doc_id, ctx.turn.channel, ctx.now))]

    # --- an official's desk ---------------------------------------------------------------
    async def new_button(self, ctx: Ctx, data: DocNew) -> list[Reply]:
        return await self.publish.start(ctx)

    async def mine_button(self, ctx: Ctx, data: DocMine) -> list[Reply]:
        docs, total = await ctx.uow.documents.by_author(ctx.me.id, offset=data.offset, limit=PAGE)
        heading = ctx.t("doc.mine_title", total=total) if total else ctx.t("doc.mine_empty")
        buttons = [Button.of(doc_label(ctx, d), DocReach(d.id)) for d in docs]
        if total > PAGE:
            buttons.append(ctx.button("common.more", DocMine(data.offset + PAGE if data.offset + PAGE < total else 0)))
        return [Reply(heading, rows(*buttons, ctx.button("doc.new", DocNew())))]

    async def reach_button(self, ctx: Ctx, data: DocReach) -> list[Reply]:
        doc = await own_document(ctx.uow, ctx.me, data.doc_id)
        return [reach(ctx, doc, await ctx.uow.documents.reach(doc))]

    async def withdraw_button(self, ctx: Ctx, data: DocWithdraw) -> list[Reply]:
        doc = await own_document(ctx.uow, ctx.me, data.doc_id)
        return [
            ctx.ask(
                "doc.withdraw_ask",
                ("doc.withdraw_yes", DocWithdrawSure(doc.id)),
                ("doc.withdraw_no", DocReach(doc.id)),
                title=doc.title,
            )
        ]

    async def withdraw_sure_button(self, ctx: Ctx, data: DocWithdrawSure) -> list[Reply]:
        doc = await withdraw(ctx.uow, ctx.me, data.doc_id, ctx.now)
        return [ctx.say("doc.withdrawn", rows(ctx.button("doc.mine", DocMine(0))), title=doc.title)]
