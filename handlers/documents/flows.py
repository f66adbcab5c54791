"""Publishing a document (file → title → topic → confirm) and typing words to find one."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from pathlib import PurePath

from handlers.documents.buttons import DocReach
from handlers.documents.render import topic_label
from handlers.documents.usecases import Draft, publish, read_file, read_title, read_topic
from handlers.kit.core import Ctx, FileRef, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from storage.models import Topic
from storage.models.documents import MAX_TITLE


class Step(enum.StrEnum):
    FILE = "file"
    TITLE = "title"
    TOPIC = "topic"
    CONFIRM = "confirm"


class PublishFlow(Flow):
    name = "doc_new"
    steps = Step

    async def start(self, ctx: Ctx) -> list[Reply]:
        self.begin(ctx, Step.FILE)
        return await self.ask_file(ctx)

    async def ask_file(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("doc.ask_file")]

    async def text_file(self, ctx: Ctx, text: str) -> list[Reply]:
        return [ctx.say("doc.need_file"), *await self.ask_file(ctx)]

    async def file_file(self, ctx: Ctx, file: FileRef) -> list[Reply]:
        try:
            self.put(ctx, file=read_file(file))
        except UserError as err:
            return [ctx.say(err.key, **err.values), *await self.ask_file(ctx)]
        self.goto(ctx, Step.TITLE)
        caption = ctx.turn.text or ""
        return await self.text_title(ctx, caption) if caption.strip() else await self.ask_title(ctx)

    async def ask_title(self, ctx: Ctx) -> list[Reply]:
        stem = PurePath(ctx.conv.data["file"]["filename"]).stem[:50]
        return [
            ctx.say(
                "doc.ask_title",
                rows(self.option(ctx, Step.TITLE, "filename", "doc.use_filename", name=stem)),
                limit=MAX_TITLE,
            )
        ]

    async def text_title(self, ctx: Ctx, text: str) -> list[Reply]:
        try:
            title = read_title(text)
        except UserError as err:
            return [ctx.say(err.key, **err.values), *await self.ask_title(ctx)]
        self.put(ctx, title=title)
        self.goto(ctx, Step.TOPIC)
        return await self.ask_topic(ctx)

    async def pick_title(self, ctx: Ctx, value: str) -> list[Reply]:
        return await self.text_title(ctx, PurePath(ctx.conv.data["file"]["filename"]).stem.replace("_", " "))

    async def ask_topic(self, ctx: Ctx) -> list[Reply]:
        options = [self.option_label(ctx, Step.TOPIC, t.value, topic_label(ctx, t)) for t in Topic]
        return [ctx.say("doc.ask_topic", rows(*options))]

    async def pick_topic(self, ctx: Ctx, value: str) -> list[Reply]:
        self.put(ctx, topic=read_topic(value).value)
        self.goto(ctx, Step.CONFIRM)
        return await self.ask_confirm(ctx)

    async def ask_confirm(self, ctx: Ctx) -> list[Reply]:
        data = ctx.conv.data
        text = ctx.t(
            "doc.confirm",
            title=data["title"],
            topic=topic_label(ctx, Topic(data["topic"])),
            file=data["file"]["filename"],
            unit=ctx.me.unit.name,
        )
        return [
            Reply(
                text,
                rows(
                    self.option(ctx, Step.CONFIRM, "ok", "doc.publish"),
                    self.option(ctx, Step.CONFIRM, "cancel", "common.cancel"),
                ),
            )
        ]

    async def pick_confirm(self, ctx: Ctx, value: str) -> list[Reply]:
        data = ctx.conv.data
        self.end(ctx)
        if value != "ok":
            return [ctx.say("flow.cancelled")]
        doc = await publish(ctx.uow, ctx.person, Draft(data["file"], data["title"], data["topic"]), ctx.now)
        return [
            ctx.say(
                "doc.published",
                rows(ctx.button("doc.reach", DocReach(doc.id))),
                title=doc.title,
                unit=ctx.me.unit.name,
            )
        ]


class SearchStep(enum.StrEnum):
    WORDS = "words"


class SearchFlow(Flow):
    name = "doc_find"
    steps = SearchStep

    def __init__(self, search: Callable[[Ctx, str], Awaitable[list[Reply]]]) -> None:
        self.search = search

    async def start(self, ctx: Ctx) -> list[Reply]:
        self.begin(ctx, SearchStep.WORDS)
        return await self.ask_words(ctx)

    async def ask_words(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("doc.ask_words")]

    async def text_words(self, ctx: Ctx, text: str) -> list[Reply]:
        self.end(ctx)
        return await self.search(ctx, text)
