"""Issue 12, malformed JIDs and silent failures, the app against a real
Prosody: a malformed JID is refused before anything opens, is stored or
is sent; an error reply shows ✗ and its reason; silence from a client that
confirms messages is marked "no answer"."""

from __future__ import annotations

from tests.harness.app import running_app, screen_lines, screen_text, window_text
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.wait import until
from tui.core.model import Delivery, LineKind

RECEIPTS = DEFAULT_PLUGINS + ("xep_0184",)  # a client that confirms what it receives


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


def own_lines(window):
    return [l for l in window.lines if l.kind in (LineKind.OUTGOING, LineKind.ACTION)]


def outgoing_bodies(account) -> list[str]:
    """Every message body alice's stream hands to the server, from now on."""
    seen: list[str] = []

    def record(stanza):
        if stanza.name == "message" and stanza["body"]:
            seen.append(stanza["body"])
        return stanza

    account.session.xmpp.add_filter("out", record)
    return seen


async def test_a_malformed_jid_is_refused_before_anything_opens_is_stored_or_sent(alice, make_peer):
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        sent = outgoing_bodies(account)
        windows = [w.number for w in app.client.windows]
        await type_line(app, pilot, "/msg a@b@c zebra-crossing")
        await until(lambda: "Invalid JID a@b@c: second @ found before parsing the resource" in screen_text(app),
                    timeout=5, message=lambda: screen_text(app))
        await type_line(app, pilot, "/query x@y/")
        await until(lambda: "Invalid JID x@y/: resource empty" in screen_text(app), timeout=5,
                    message=lambda: screen_text(app))
        await type_line(app, pilot, "/join lounge@b@c")
        await until(lambda: "Invalid JID lounge@b@c" in screen_text(app), timeout=5,
                    message=lambda: screen_text(app))
        assert [w.number for w in app.client.windows] == windows  # no window "a"
        # a message typed after it goes, and it is the only one that went
        await type_line(app, pilot, f"/msg {bob.jid} after")
        await until(lambda: bob.bodies() == ["after"], timeout=5)
        assert sent == ["after"]
        assert await account.chat.history.search("zebra") == []
        assert not any(r.peer.startswith("a@") for r in await account.chat.history.search("after"))


async def test_an_error_reply_shows_a_cross_and_its_reason_on_screen(alice):
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, "/msg someone@unknown.invalid are you there")
        window = await until(lambda: app.client.windows.find(alice.jid, "someone@unknown.invalid"), timeout=5)
        await until(lambda: own_lines(window) and own_lines(window)[-1].delivery is Delivery.FAILED, timeout=10)
        # the message's row carries ✗, the row under it the server's reason
        rows = await until(lambda: (lines := screen_lines(app)) and any("are you there" in r for r in lines)
                           and lines, timeout=5)
        at = next(i for i, row in enumerate(rows) if "are you there" in row)
        assert "✗" in rows[at]
        assert ("not delivered to someone@unknown.invalid: not-allowed: Communication with remote domains"
                in rows[at + 1]), rows  # this Prosody speaks to no other server: its words


async def test_silence_from_a_client_that_confirms_is_marked_no_answer(alice, make_peer):
    bob = await make_peer(plugins=RECEIPTS)  # confirms, until told not to
    carol = await make_peer()  # never confirms: never accused of silence
    async with running_app(alice.config) as (app, pilot):
        chat = app.client.accounts.get(alice.jid).chat
        chat.answers.delay = 1.0  # instead of a minute
        await type_line(app, pilot, f"/msg {carol.jid} hello carol")
        carol_window = await until(lambda: app.client.windows.find(alice.jid, carol.jid), timeout=5)
        await type_line(app, pilot, f"/msg {bob.jid} first")
        window = await until(lambda: app.client.windows.find(alice.jid, bob.jid), timeout=5)
        await until(lambda: own_lines(window)[-1].delivery is Delivery.DELIVERED, timeout=5)
        bob.xmpp.plugin["xep_0184"].auto_ack = False  # bob's client goes quiet
        await type_line(app, pilot, "second")
        await until(lambda: bob.bodies() == ["first", "second"], timeout=5)
        second = own_lines(window)[-1]
        await until(lambda: second.delivery is Delivery.UNANSWERED, timeout=5,
                    message=lambda: window_text(window))
        rows = await until(lambda: (lines := screen_lines(app)) and any("no answer from" in r for r in lines)
                           and lines, timeout=5)
        at = next(i for i, row in enumerate(rows) if row.endswith("second") or " second" in row)
        assert "?" in rows[at] and "no answer from" in rows[at + 1], rows
        assert "no receipt and no error in 1 s" in window_text(window)
        # carol's came earlier, and her client never confirmed one: no mark
        assert own_lines(carol_window)[-1].delivery is Delivery.SENT
        # a late receipt still makes it ✓
        bob.xmpp.plugin["xep_0184"].auto_ack = True
        receipt = bob.xmpp.make_message(mto=alice.jid)
        receipt["receipt"] = second.msg_id
        receipt.send()
        await until(lambda: second.delivery is Delivery.DELIVERED, timeout=5)
