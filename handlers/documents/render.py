"""How the library looks: lists of documents, one document, its reach."""

from __future__ import annotations

from handlers.documents.buttons import DocFind, DocMine, DocNew, DocOpen, DocReach, DocTopics, DocWithdraw
from handlers.documents.usecases import Opened
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.registry import is_official
from handlers.kit.text import shorten
from storage.documents import TeamReach
from storage.models import Document, Topic

PAGE = 8
REACH_LINES = 15
NAMES = 10


def topic_label(ctx: Ctx, topic: Topic) -> str:
    return ctx.t(f"doc.topic.{topic.value}")


def doc_label(ctx: Ctx, doc: Document) -> str:
    return shorten(f"📄 {doc.title} ({ctx.local(doc.created_at):%d/%m/%Y})", 60)


def doc_button(ctx: Ctx, doc: Document) -> Button:
    return Button.of(doc_label(ctx, doc), DocOpen(doc.id))


def listing(
    ctx: Ctx, heading: str, docs: list[Document], total: int, offset: int, more: object | None, *extra: Button
) -> Reply:
    """A page of documents as buttons; «Xem thêm» when more follow (then back to the first)."""
    text = (
        heading
        if not docs
        else "\n".join((heading, ctx.t("doc.page", start=offset + 1, end=offset + len(docs), total=total)))
    )
    buttons = [doc_button(ctx, d) for d in docs]
    if more is not None and total > PAGE:
        buttons.append(ctx.button("common.more", more))
    return Reply(text, rows(*buttons, *extra))


def shelf_buttons(ctx: Ctx) -> list[Button]:
    """Ways to look further, and an official's own desk."""
    found = [ctx.button("doc.by_topic", DocTopics()), ctx.button("doc.find", DocFind())]
    if is_official(ctx):
        found += [ctx.button("doc.new", DocNew()), ctx.button("doc.mine", DocMine(0))]
    return found


def opened(ctx: Ctx, result: Opened) -> Reply:
    doc = result.doc
    if result.file is None:
        app = (
            ctx.t(f"doc.app.{result.held_on}")
            if ctx.deps.catalog.has(f"doc.app.{result.held_on}")
            else ctx.t("doc.app.other")
        )
        return ctx.say("doc.other_channel", title=doc.title, app=app)
    text = ctx.t(
        "doc.caption",
        title=doc.title,
        topic=topic_label(ctx, doc.topic),
        date=ctx.local(doc.created_at).strftime("%d/%m/%Y"),
    )
    buttons = (
        [ctx.button("doc.reach", DocReach(doc.id)), ctx.button("doc.withdraw", DocWithdraw(doc.id))]
        if ctx.person is not None and doc.created_by_id == ctx.person.id
        else []
    )
    return Reply(text, rows(*buttons), result.file)


def reach(ctx: Ctx, doc: Document, teams: list[TeamReach]) -> Reply:
    opened_total = sum(t.opened for t in teams)
    people = sum(t.people for t in teams)
    lines = [
        ctx.t(
            "doc.reach_title",
            title=doc.title,
            opened=opened_total,
            people=people,
            date=ctx.local(doc.created_at).strftime("%d/%m/%Y"),
        )
    ]
    some = [t for t in teams if t.opened]
    lines += [ctx.t("doc.reach_line", unit=t.unit_name, opened=t.opened, people=t.people) for t in some[:REACH_LINES]]
    if len(some) > REACH_LINES:
        lines.append(ctx.t("doc.reach_more", count=len(some) - REACH_LINES))
    none = [t.unit_name for t in teams if not t.opened]
    if none:
        names = ", ".join(none[:NAMES]) + (ctx.t("doc.and_more", count=len(none) - NAMES) if len(none) > NAMES else "")
        lines.append(ctx.t("doc.reach_none", names=names))
    buttons = rows(
        ctx.button("doc.open_file", DocOpen(doc.id)),
        ctx.button("doc.withdraw", DocWithdraw(doc.id)),
        ctx.button("doc.refresh", DocReach(doc.id)),
    )
    return Reply("\n".join(lines), buttons)
