"""The blog window (XEP-0277) in the real app (Pilot), against the real
Prosody: alice in Parlons, bob a raw slixmpp client who is her mutual
contact and publishes Atom entries the way Movim does."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from slixmpp.exceptions import IqError

from tests.harness.app import account_config, running_app, status_text, window_text
from tests.harness.blogs import MOVIM_ENTRY, PEER_PLUGINS, publish_raw
from tests.harness.wait import until
from tui.config import Config
from tui.core.windows import WindowKind
from tui.xmpp.blog.items import new_atom, now_to_the_millisecond
from tui.xmpp.blog.xep_0277 import NS_MICROBLOG

ATOM = "{http://www.w3.org/2005/Atom}"


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.focus()
    app.main.input_line.value = text
    await pilot.press("enter")


async def node_items(peer, owner: str) -> dict[str, ET.Element]:
    """The Atom entries of ``owner``'s blog, as the peer reads them."""
    result = await peer.plugin["xep_0060"].get_items(owner, NS_MICROBLOG, timeout=5)
    return {item["id"]: item.xml.find(f".//{ATOM}entry") for item in result["pubsub"]["items"]}


def pane_text(app) -> str:
    """What the blog pane shows."""
    return app.main.blog_pane.plain


def pane_row(app, words: str) -> str:
    """The pane's row that holds ``words`` ("" when none does)."""
    return next((row for row in pane_text(app).splitlines() if words in row), "")


async def test_post_read_live_show_comment_and_delete(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    await bob.xmpp.get_roster()  # bob accepts alice and asks back
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        me = alice.jid.split("@")[0]  # the name her entries carry
        await type_line(app, pilot, f"/roster add {bob.jid} Bob")
        await until(lambda: (c := account.roster.model.get(bob.jid)) and c.subscription == "both", timeout=10)
        await type_line(app, pilot, "/blog")
        window = await until(lambda: (w := app.client.windows.active).kind is WindowKind.BLOG and w, timeout=5)
        await until(lambda: "No entries here yet" in pane_text(app), timeout=5)

        # alice posts two lines (Alt+Enter): the first is the title; bob reads it
        app.main.input_line.focus()
        app.main.input_line.value = "/blog post hello world"
        app.main.input_line.cursor_position = len(app.main.input_line.value)
        await pilot.press("alt+enter", *"second line", "enter")
        await until(lambda: f"{me}  hello world" in pane_row(app, "#1 "), timeout=10,
                    message=lambda: pane_text(app) + status_text(app))

        async def bob_sees():
            items = await node_items(bob, alice.jid)
            return [(e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}content")) for e in items.values()]

        assert await until(bob_sees, timeout=5) == [("hello world", "second line")]

        # bob publishes: it shows in alice's pane without a command, as plain text
        rebuilds = app.client.blog_windows.rebuilds
        await publish_raw(bob, MOVIM_ENTRY.format(jid=bob.jid, item="m1"), item="m1")
        await until(lambda: "Carol from Movim  Movim [i]says[/i] hi" in pane_row(app, "#2 "), timeout=10,
                    message=lambda: pane_text(app))
        assert app.client.blog_windows.rebuilds == rebuilds + 1  # one entry, one rebuild
        text = pane_text(app)
        assert text.index("#1 ") < text.index("#2 ")  # newest first: hers is of today

        # bob comments on alice's entry; opening it fetches and shows it with the text
        mine = next(iter(account.blog.model.feed(alice.jid)))
        comment = new_atom(author=bob.jid, name="Bob", service=mine.comments.service, node=mine.comments.node,
                           item_id="c1", title="", body="nice [b]one[/b]", when=now_to_the_millisecond())
        await bob.plugin["xep_0060"].publish(mine.comments.service, mine.comments.node, id="c1",
                                             payload=comment, timeout=5)
        await type_line(app, pilot, "/blog show 1")
        await until(lambda: "Comments (1)" in pane_text(app), timeout=10, message=lambda: pane_text(app))
        text = pane_text(app)
        assert "hello world" in text and "second line" in text
        assert f"? {bob.jid} (unverified)" in text and "  nice [b]one[/b]" in text  # Prosody names no publisher
        assert "Carol from Movim" not in text  # one entry in full, not the list
        await type_line(app, pilot, "/blog comment 1 thanks")
        await until(lambda: "  thanks" in pane_text(app) and "Comments (2)" in pane_text(app),
                    timeout=10, message=lambda: pane_text(app))

        # back to the list: the comment count shows; unknown numbers and bob's entry are refused
        await type_line(app, pilot, "/blog")
        await until(lambda: "[2 comments]" in pane_row(app, "#1 "), timeout=5, message=lambda: pane_text(app))
        await type_line(app, pilot, "/blog delete 7")
        await until(lambda: "No entry #7 in this window" in window_text(window), timeout=5)
        await type_line(app, pilot, "/blog delete 2")
        refusal = f"Entry #2 is {bob.jid}'s: you can delete only your own entries"
        await until(lambda: refusal in window_text(window) and refusal in status_text(app), timeout=5)
        assert "m1" in await node_items(bob, bob.jid)

        # her own goes, at bob's too
        await type_line(app, pilot, "/blog delete 1")
        await until(lambda: not pane_row(app, "#1 "), timeout=10, message=lambda: pane_text(app))
        assert pane_row(app, "#2 ")

        async def bob_sees_none():
            return not await node_items(bob, alice.jid)

        await until(bob_sees_none, timeout=5)


async def test_the_configured_access_model_is_what_the_blog_is_published_with(prosody, make_account, make_peer):
    """blog_access = "presence": a stranger cannot read what alice posts."""
    jid, password = make_account("alice")
    config = Config([account_config(prosody, jid, password, blog_access="presence")])
    stranger = await make_peer(plugins=PEER_PLUGINS)
    async with running_app(config) as (app, pilot):
        account = await until(lambda: app.client.accounts.get(jid))
        await until(lambda: account.session.online, timeout=10)
        assert account.blog.access == "presence"
        app.main.input_line.value = "/blog post for my contacts only"
        await pilot.press("enter")
        await until(lambda: "for my contacts only" in window_text(app.client.windows.active), timeout=10)
    with pytest.raises(IqError) as refused:
        await stranger.plugin["xep_0060"].get_items(jid, "urn:xmpp:microblog:0", timeout=10)
    assert refused.value.condition in ("forbidden", "not-authorized", "presence-subscription-required")
