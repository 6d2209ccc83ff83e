"""A page of the archive decrypted in runs (MessagePipeline.decrypt_runs):
every message once, in order, the runs cut where the time is up, the last
one marked — and handed on even when the page is empty; encrypted ones two
at a time (never more), in order all the same, whichever finishes first.
And which live messages are decrypted beside the queue (``waits``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from slixmpp.stanza import Message
from slixmpp.xmlstream import ET

from tui.xmpp.conversation import encryption
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


SLOW = "urn:parlons:test:slow"


def sealed(text: str, seconds: float) -> Message:
    """A message of the test scheme below: its text, and how long it takes to open."""
    msg = Message()
    msg["body"] = "[sealed]"
    msg.xml.append(ET.Element(f"{{{SLOW}}}sealed", {"text": text, "seconds": str(seconds)}))
    return msg


class Slow:
    """A scheme whose decryption takes each stanza's time, counting how many run at once."""
    name = "slow"
    rooms = False
    running = 0
    most = 0

    def __init__(self, host) -> None:
        pass

    def recognises(self, stanza) -> bool:
        return stanza.xml.find(f"{{{SLOW}}}sealed") is not None

    async def decrypt(self, peer, stanza) -> str:
        element = stanza.xml.find(f"{{{SLOW}}}sealed")
        Slow.running += 1
        Slow.most = max(Slow.most, Slow.running)
        await asyncio.sleep(float(element.get("seconds")))
        Slow.running -= 1
        return element.get("text")


@pytest.fixture
def slow_scheme():
    Slow.running = Slow.most = 0
    encryption.register("slow", Slow)
    yield Slow
    encryption.unregister("slow")


async def runs_of(batch, within):
    return [([m.body for m in run], last) async for run, last in pipeline().decrypt_runs(batch, within)]


async def test_runs_cut_where_the_time_is_up_the_last_marked():
    page = [Plain(f"m{n}") for n in range(4)]
    assert await runs_of(page, within=3600) == [(["m0", "m1", "m2", "m3"], True)]
    assert await runs_of(page, within=0) == [(["m0"], False), (["m1"], False), (["m2"], False), (["m3"], True)]


async def test_an_empty_page_is_handed_on():
    assert await runs_of([], within=0) == [([], True)]


async def test_encrypted_ones_two_at_a_time_in_order(slow_scheme):
    # the first takes longest: those after it finish first, and wait for it
    page = [Plain("", stanza=sealed(f"secret {n}", 0.05 if n == 0 else 0.001)) for n in range(5)]
    page.insert(2, Plain("in clear"))
    runs = await runs_of(page, within=3600)
    assert runs == [(["secret 0", "secret 1", "in clear", "secret 2", "secret 3", "secret 4"], True)]
    assert slow_scheme.most == 2
    assert all(m.encryption == "slow" for m in page if m.body.startswith("secret"))


def test_waits_only_for_a_scheme_that_decrypts_apart(slow_scheme, monkeypatch):
    """MessagePipeline.waits, which the 1:1 lanes and the rooms ask of each
    live message: True only when the scheme that takes it says ``apart``
    (gpg, a passphrase); one in clear is marked so (not asked again)."""
    in_clear = Message()
    in_clear["body"] = "hello"
    message = Plain("hello", stanza=in_clear)
    assert not pipeline().waits(message) and message.stanza is None  # in clear: marked
    assert not pipeline().waits(Plain("decrypted already"))

    message = Plain("[sealed]", stanza=sealed("x", 0))
    assert not pipeline().waits(message) and message.stanza is not None  # its scheme decrypts in the queue
    monkeypatch.setattr(Slow, "apart", True, raising=False)
    assert pipeline().waits(message) and message.stanza is not None  # aside, still to decrypt
