"""Flows are declared as step tables and checked before anyone talks to them."""

from __future__ import annotations

import enum

import pytest

from handlers.kit.core import Ctx, Reply
from handlers.kit.flow import Flow, FlowError


def _product_flows() -> list[Flow]:
    from bot.app import build_engine

    return list(build_engine(None).flows.values())  # the engine checks every flow as it is built


def test_every_flow_of_the_product_has_a_step_table_that_matches_its_methods():
    flows = _product_flows()
    assert len(flows) >= 10
    for flow in flows:
        assert flow.steps is not None, flow.name
        flow.check()  # raises FlowError on a mismatch


class Steps(enum.StrEnum):
    ONE = "one"
    TWO = "two"


class Missing(Flow):
    name = "t_missing"
    steps = Steps

    async def ask_one(self, ctx: Ctx) -> list[Reply]:
        return []


class Stray(Flow):
    name = "t_stray"
    steps = Steps

    async def ask_one(self, ctx: Ctx) -> list[Reply]:
        return []

    async def ask_two(self, ctx: Ctx) -> list[Reply]:
        return []

    async def pick_three(self, ctx: Ctx, value: str) -> list[Reply]:
        return []


class Untabled(Flow):
    name = "t_untabled"

    async def ask_one(self, ctx: Ctx) -> list[Reply]:
        return []


@pytest.mark.parametrize("flow", [Missing, Stray, Untabled])
def test_a_flow_whose_table_and_methods_disagree_is_refused_at_start(flow):
    with pytest.raises(FlowError):
        flow.check()


def test_going_to_a_step_the_table_does_not_have_is_refused():
    flow = Stray()
    with pytest.raises(FlowError):
        flow._known("three")
    assert flow._known(Steps.TWO) == "two"
