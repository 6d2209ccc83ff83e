"""Issue 3's conversations against a real Prosody: receipts, chat states,
carbons, corrections, errors and /retry, history that never loses or
doubles a message."""

from __future__ import annotations

import time

from tests.harness.app import running_app, screen_text, window_text
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.wait import until
from tui.core.model import Delivery, LineKind
from tui.core.windows import Activity
from tui.xmpp.conversation.history import STAMP_RESOLUTION

CHATTY = DEFAULT_PLUGINS + ("xep_0184", "xep_0085", "xep_0308", "xep_0359")


def own_lines(window):
    return [l for l in window.lines if l.kind in (LineKind.OUTGOING, LineKind.ACTION)]


def find_line(window, body: str):
    return next((l for l in window.lines if l.body == body), None)


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


async def open_chat(app, pilot, jid: str):
    await type_line(app, pilot, f"/query {jid}")
    return await until(lambda: app.client.windows.active.target == jid and app.client.windows.active, timeout=5)


async def test_incoming_opens_a_window_reply_and_msg_reach_peers_and_a_receipt_marks_delivered(
        alice, make_peer):
    bob = await make_peer(plugins=CHATTY)
    carol = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        windows = app.client.windows
        bob.send(alice.jid, "hello alice")
        window = await until(lambda: windows.find(alice.jid, bob.jid), timeout=5)
        await until(lambda: "hello alice" in window_text(window), timeout=5)
        assert window.activity > 0
        await until(lambda: f"{window.number}:" in app.main.query_one("#windowbar").plain, timeout=5)
        await pilot.press(f"alt+{window.number}")
        await type_line(app, pilot, "hi bob")
        await until(lambda: bob.bodies() == ["hi bob"], timeout=5)
        await until(lambda: own_lines(window)[-1].delivery is Delivery.DELIVERED, timeout=5)
        await until(lambda: "✓" in screen_text(app), timeout=5)
        await type_line(app, pilot, f"/msg {carol.jid} hi carol")
        await until(lambda: carol.bodies() == ["hi carol"], timeout=5)
        await type_line(app, pilot, "/me waves")
        await until(lambda: "* " in screen_text(app) and "waves" in screen_text(app), timeout=5)
        assert carol.bodies() == ["hi carol", "/me waves"]


async def test_chat_states_show_and_clear(alice, make_peer):
    bob = await make_peer(plugins=CHATTY)
    async with running_app(alice.config) as (app, pilot):
        await open_chat(app, pilot, bob.jid)
        status_bar = app.main.query_one("#statusbar")

        def state(value):
            msg = bob.xmpp.make_message(mto=alice.jid, mtype="chat")
            msg["chat_state"] = value
            msg.send()

        state("composing")
        await until(lambda: "is typing" in status_bar.plain, timeout=5, message=lambda: status_bar.plain)
        state("active")
        await until(lambda: "is typing" not in status_bar.plain, timeout=5)
        # ours: typing sends composing to bob
        got = []
        bob.xmpp.add_event_handler("chatstate_composing", lambda msg: got.append(msg["from"].bare))
        await pilot.press(*"typing")
        await until(lambda: got == [alice.jid], timeout=5)
        # the multi-line composer too: a message sent, then a second one begun
        await pilot.press("alt+enter", "x", "enter")
        await until(lambda: bob.bodies() == ["typing\nx"], timeout=5)
        before = len(got)
        await pilot.press("alt+enter", *"more")
        await until(lambda: len(got) == before + 1, timeout=5)


async def test_what_another_device_sends_and_receives_appears_marked(alice, make_peer):
    bob = await make_peer(plugins=CHATTY)
    async with running_app(alice.config) as (app, pilot):
        other = await make_peer(alice.jid, alice.password)  # alice on her phone
        other.send(bob.jid, "sent from my phone")
        window = await until(lambda: app.client.windows.find(alice.jid, bob.jid), timeout=5)
        line = await until(lambda: find_line(window, "sent from my phone"), timeout=5)
        assert line.kind is LineKind.OUTGOING and line.elsewhere
        # bob answers the phone's full JID: we see it through carbons too
        msg = bob.xmpp.make_message(mto=other.full_jid, mbody="to your phone", mtype="chat")
        msg.send()
        line = await until(lambda: find_line(window, "to your phone"), timeout=5)
        assert line.kind is LineKind.INCOMING and line.elsewhere
        assert [l.body for l in window.lines if l.body in ("sent from my phone", "to your phone")] == [
            "sent from my phone", "to your phone"]
        # the same messages come again from the archive on a fresh session: shown once
        bob.send(alice.jid, "live to everyone")
        await until(lambda: find_line(window, "live to everyone"), timeout=5)
        session = app.client.accounts.get(alice.jid).session
        await type_line(app, pilot, "/reconnect")
        await until(lambda: session.online, timeout=10)
        bob.send(alice.jid, "barrier")
        await until(lambda: find_line(window, "barrier"), timeout=10)
        bodies = [l.body for l in window.lines if l.kind in (LineKind.INCOMING, LineKind.OUTGOING)]
        assert bodies == ["sent from my phone", "to your phone", "live to everyone", "barrier"]


async def test_corrections_both_ways(alice, make_peer):
    bob = await make_peer(plugins=CHATTY)
    async with running_app(alice.config) as (app, pilot):
        window = await open_chat(app, pilot, bob.jid)
        await type_line(app, pilot, "helo")
        await until(lambda: bob.bodies() == ["helo"], timeout=5)
        original_id = bob.messages[0].stanza["id"]
        await type_line(app, pilot, "/correct hello")
        await until(lambda: len(bob.messages) == 2, timeout=5)
        correction = bob.messages[1].stanza
        assert correction["body"] == "hello" and correction["replace"]["id"] == original_id
        line = own_lines(window)[-1]
        assert line.body == "hello" and line.corrected
        await until(lambda: "hello" in screen_text(app) and "helo\n" not in screen_text(app) + "\n", timeout=5)
        # bob corrects himself
        first = bob.xmpp.make_message(mto=alice.jid, mbody="teh answer", mtype="chat")
        first.send()
        await until(lambda: "teh answer" in window_text(window), timeout=5)
        fix = bob.xmpp.make_message(mto=alice.jid, mbody="the answer", mtype="chat")
        fix["replace"]["id"] = first["id"]
        fix.send()
        await until(lambda: "the answer" in window_text(window), timeout=5)
        assert "teh answer" not in window_text(window)
        assert sum(1 for l in window.lines if l.kind is LineKind.INCOMING) == 1
        # corrected to three lines while another window is shown: all three
        # show on coming back (the log's kept layout of the window is stale)
        await pilot.press("alt+1")
        again = bob.xmpp.make_message(mto=alice.jid, mbody="the\nlong\nanswer", mtype="chat")
        again["replace"]["id"] = fix["id"]
        again.send()
        await until(lambda: "the\nlong\nanswer" in window_text(window), timeout=5)
        await pilot.press("alt+2")
        await until(lambda: "long" in screen_text(app) and " answer" in screen_text(app), timeout=5,
                    message=lambda: screen_text(app))


async def test_error_reply_is_shown_under_the_line_and_retry_works_once_reachable(
        alice, make_peer, prosody):
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, "/msg someone@unknown.invalid are you there")
        window = await until(lambda: app.client.windows.find(alice.jid, "someone@unknown.invalid"), timeout=5)
        await until(lambda: own_lines(window) and own_lines(window)[-1].delivery is Delivery.FAILED, timeout=10)
        index = window.lines.index(own_lines(window)[-1])
        assert window.lines[index + 1].kind is LineKind.ERROR
        assert "not delivered" in window.lines[index + 1].body
        # a local account that does not exist yet: refused, then created, then /retry
        ghost = f"ghost-{window.number}-{id(app) % 10000}"
        await type_line(app, pilot, f"/msg {ghost}@localhost hello ghost")
        ghost_window = await until(lambda: app.client.windows.find(alice.jid, f"{ghost}@localhost"), timeout=5)
        await until(lambda: own_lines(ghost_window)[-1].delivery is Delivery.FAILED, timeout=10)
        prosody.create_account(ghost, "pw")
        peer = await make_peer(f"{ghost}@localhost", "pw")
        await type_line(app, pilot, "/retry")
        await until(lambda: peer.bodies() == ["hello ghost"], timeout=10)
        assert own_lines(ghost_window)[-1].delivery is not Delivery.FAILED


async def test_offline_message_stays_visible_and_retry_sends_it(alice, make_peer):
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        window = await open_chat(app, pilot, bob.jid)
        await type_line(app, pilot, "/disconnect")
        await until(lambda: not app.client.accounts.get(alice.jid).session.online, timeout=5)
        await type_line(app, pilot, "typed while offline")
        await until(lambda: own_lines(window) and own_lines(window)[-1].delivery is Delivery.PENDING, timeout=5)
        assert "/retry" in window_text(window)
        await type_line(app, pilot, "/connect")
        await until(lambda: app.client.accounts.get(alice.jid).session.online, timeout=10)
        await type_line(app, pilot, "/retry")
        await until(lambda: bob.bodies() == ["typed while offline"], timeout=10)


async def test_history_survives_a_restart_and_offline_messages_appear_once_in_order(
        alice, make_peer, tmp_path):
    bob = await make_peer()
    data = tmp_path / "data"
    async with running_app(alice.config, data_dir=data) as (app, pilot):
        bob.send(alice.jid, "before quitting")
        window = await until(lambda: app.client.windows.find(alice.jid, bob.jid), timeout=5)
        await until(lambda: "before quitting" in window_text(window), timeout=5)
        await pilot.press(f"alt+{window.number}")
        await type_line(app, pilot, "my answer")
        await until(lambda: bob.bodies() == ["my answer"], timeout=5)
        await type_line(app, pilot, "/quit")
        await until(lambda: not app.is_running, timeout=10)
    for n in (1, 2, 3):
        bob.send(alice.jid, f"while you were away {n}")
    # the server has archived them before we come back: wait for its receipt of the last
    async with running_app(alice.config, data_dir=data) as (app, pilot):
        window = await until(lambda: app.client.windows.find(alice.jid, bob.jid), timeout=10)
        await until(lambda: "while you were away 3" in window_text(window), timeout=10,
                    message=lambda: window_text(window))
        bodies = [l.body for l in window.lines if l.kind in (LineKind.INCOMING, LineKind.OUTGOING)]
        assert bodies == ["before quitting", "my answer", "while you were away 1",
                          "while you were away 2", "while you were away 3"]
        # a fresh session reads the archive again (with overlap): nothing doubles
        await type_line(app, pilot, "/reconnect")
        session = app.client.accounts.get(alice.jid).session
        await until(lambda: session.online, timeout=10)
        await until(lambda: app.client.accounts.get(alice.jid).chat.serial.pending() == 0, timeout=5)
        bob.send(alice.jid, "after reconnect")
        await until(lambda: "after reconnect" in window_text(window), timeout=10)
        bodies = [l.body for l in window.lines if l.kind in (LineKind.INCOMING, LineKind.OUTGOING)]
        assert bodies == ["before quitting", "my answer", "while you were away 1",
                          "while you were away 2", "while you were away 3", "after reconnect"]


async def test_up_on_an_empty_line_edits_the_last_message_as_a_correction(alice, make_peer):
    bob = await make_peer(plugins=CHATTY)
    async with running_app(alice.config) as (app, pilot):
        window = await open_chat(app, pilot, bob.jid)
        line = app.main.input_line
        await type_line(app, pilot, "see you at 5")
        await until(lambda: bob.bodies() == ["see you at 5"], timeout=5)
        await pilot.press("up")
        assert line.value == "see you at 5" and line.correcting
        await pilot.press("backspace", "6")
        await pilot.press("enter")
        await until(lambda: len(bob.messages) == 2, timeout=5)
        assert bob.messages[1].stanza["replace"]["id"] == bob.messages[0].stanza["id"]
        assert bob.bodies()[1] == "see you at 6"
        assert own_lines(window)[-1].body == "see you at 6" and own_lines(window)[-1].corrected
        # Up again, then Up once more: plain history, and Enter sends a new message
        await pilot.press("up")
        assert line.correcting
        await pilot.press("up")
        assert not line.correcting
        line.value = "a new one"
        await pilot.press("enter")
        await until(lambda: len(bob.messages) == 3, timeout=5)
        assert not bob.messages[2].stanza["replace"]["id"]


async def test_what_came_while_we_were_away_lights_its_window_up(alice, make_peer, tmp_path):
    """A message that only the archive has (alice's phone got it live, so
    nothing waits in offline storage) still marks its window after a restart,
    as a message from offline storage would; history from before does not."""
    bob, carol = await make_peer(), await make_peer()
    data = tmp_path / "data"
    async with running_app(alice.config, data_dir=data) as (app, pilot):
        carol.send(alice.jid, "seen before quitting")
        window = await until(lambda: app.client.windows.find(alice.jid, carol.jid), timeout=5)
        await until(lambda: "seen before quitting" in window_text(window), timeout=5)
        await type_line(app, pilot, "/quit")
        await until(lambda: not app.is_running, timeout=10)
    phone = await make_peer(alice.jid, alice.password)
    bob.send(alice.jid, "while you were away")
    await until(lambda: phone.bodies() == ["while you were away"], timeout=5)
    await phone.stop()
    async with running_app(alice.config, data_dir=data) as (app, pilot):
        window = await until(lambda: app.client.windows.find(alice.jid, bob.jid), timeout=10)
        await until(lambda: "while you were away" in window_text(window), timeout=10)
        assert window.activity is Activity.HIGHLIGHT
        assert app.client.windows.find(alice.jid, carol.jid) is None  # old history opens nothing


async def test_scrolling_past_the_top_pages_in_the_store_then_the_archive(alice, make_peer, tmp_path):
    import tui.xmpp.chat.archive as chat_history
    import tui.xmpp.conversation.history as conversation_history

    bob = await make_peer()
    phone = await make_peer(alice.jid, alice.password)  # alice's phone gets them live...
    for n in range(30):
        bob.send(alice.jid, f"archived {n:02}")
    await until(lambda: len(phone.messages) == 30, timeout=10)
    archived = time.monotonic()
    await phone.stop()  # ...so nothing waits in offline storage: only the archive has them
    # Messages stamped (to the second) within STAMP_RESOLUTION of the session's
    # start may have raced it: the catch-up shows those as live lines, not as
    # history, and the window would open on 5 lines (once in 21 runs).  These
    # are from before: the session starts later than that.
    await until(lambda: time.monotonic() - archived > 2 * STAMP_RESOLUTION.total_seconds(), timeout=5)
    data = tmp_path / "data"
    # a first run with an empty store reads the newest messages only
    old_first_run, old_open = chat_history.FIRST_RUN_MESSAGES, conversation_history.OPEN_LINES
    chat_history.FIRST_RUN_MESSAGES, conversation_history.OPEN_LINES = 5, 3
    try:
        async with running_app(alice.config, data_dir=data, size=(80, 12)) as (app, pilot):
            window = await until(lambda: app.client.windows.find(alice.jid, bob.jid), timeout=10)

            def shown():
                return [l.body for l in window.lines if l.kind is LineKind.INCOMING]

            await until(lambda: shown() == ["archived 27", "archived 28", "archived 29"], timeout=10,
                        message=lambda: shown())
            await pilot.press(f"alt+{window.number}")
            # page up to the top, then past it: the store has 2 more, then the archive the rest
            for _ in range(20):
                await pilot.press("pageup")
                if len(shown()) == 30:
                    break
                await until(lambda: app.main.log_view.at_top or len(shown()) == 30, timeout=5)
            await until(lambda: len(shown()) == 30, timeout=10, message=lambda: shown())
            assert shown() == [f"archived {n:02}" for n in range(30)]
    finally:
        chat_history.FIRST_RUN_MESSAGES, conversation_history.OPEN_LINES = old_first_run, old_open


async def test_search_lastlog_and_goto(alice, make_peer):
    bob = await make_peer()
    carol = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        bob.send(alice.jid, "the pelican crossed the bay")
        carol.send(alice.jid, "nothing to see")
        carol.send(alice.jid, "a pelican again")
        # bob and carol race each other to the server: find windows by JID, not number
        await until(lambda: app.client.windows.find(alice.jid, carol.jid)
                    and "pelican again" in window_text(app.client.windows.find(alice.jid, carol.jid))
                    and app.client.windows.find(alice.jid, bob.jid), timeout=5)
        await type_line(app, pilot, "/search pelican")
        status = app.client.windows.status
        await until(lambda: "Search 'pelican': 2 results" in window_text(status), timeout=5)
        text = window_text(status)
        assert "1. [" in text and "2. [" in text and "crossed the bay" in text and "pelican again" in text
        bob_window = app.client.windows.find(alice.jid, bob.jid)
        number = next(n for n, (_a, r) in enumerate(app.client.command_memory.search_results, 1) if "crossed" in r.text)
        await type_line(app, pilot, f"/goto {number}")
        await until(lambda: app.client.windows.active is bob_window, timeout=5)
        await until(lambda: "crossed the bay" in screen_text(app), timeout=5)
        await type_line(app, pilot, "/lastlog BAY")
        await until(lambda: "Lastlog 'BAY': 1 line" in window_text(bob_window), timeout=5)
        await type_line(app, pilot, '/search "unbalanced AND (')
        await until(lambda: "unbalanced AND (': 0 results" in window_text(bob_window), timeout=5,
                    message=lambda: window_text(bob_window))
        assert app.is_running


async def test_replies_go_to_the_resource_that_wrote_until_it_leaves(alice, make_account, make_peer):
    bob_jid, bob_password = make_account("bob")
    phone = await make_peer(f"{bob_jid}/phone", bob_password)
    desk = await make_peer(f"{bob_jid}/desk", bob_password)
    async with running_app(alice.config) as (app, pilot):
        phone.send(alice.jid, "from my phone")
        window = await until(lambda: app.client.windows.find(alice.jid, bob_jid), timeout=5)
        await pilot.press(f"alt+{window.number}")
        await type_line(app, pilot, "answer to the phone")
        await until(lambda: phone.bodies() == ["answer to the phone"], timeout=5)
        await phone.stop()  # the phone goes away: the lock is released
        await type_line(app, pilot, "to whoever is there")
        await until(lambda: "to whoever is there" in desk.bodies(), timeout=5)
        assert "answer to the phone" not in desk.bodies()
