"""A page of the archive decrypted in runs (MessagePipeline.decrypt_runs):
every message once, in order, the runs cut where the time is up, the last
one marked — and handed on even when the page is empty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from tui.xmpp.conversation.encryption import Encryption
from tui.xmpp.conversation.pipeline import MessagePipeline


@dataclass
class Plain:
    body: str
    action: bool = False
    stanza: object = None  # already decrypted (or never was)
    encryption: str = ""
    archived: bool = True
    time: datetime = datetime(2026, 12, 6, tzinfo=timezone.utc)
    delayed: bool = True
    peer: str = "bob@localhost"


def pipeline():
    return MessagePipeline("alice@localhost", None, Encryption("alice@localhost"), None, None, rooms=False)


async def runs_of(batch, within):
    return [([m.body for m in run], last) async for run, last in pipeline().decrypt_runs(batch, within)]


async def test_runs_cut_where_the_time_is_up_the_last_marked():
    page = [Plain(f"m{n}") for n in range(4)]
    assert await runs_of(page, within=3600) == [(["m0", "m1", "m2", "m3"], True)]
    assert await runs_of(page, within=0) == [(["m0"], False), (["m1"], False), (["m2"], False), (["m3"], True)]


async def test_an_empty_page_is_handed_on():
    assert await runs_of([], within=0) == [([], True)]
