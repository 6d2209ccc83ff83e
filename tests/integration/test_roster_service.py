"""Roster, subscriptions and our presence against the real Prosody, with real
slixmpp peers on the other side (no faked stanzas)."""

from __future__ import annotations


import pytest_asyncio

from tests.harness.client import HeadlessClient, headless_client, run, status_text
from tests.harness.wait import until
from tui.xmpp.account.session import ConnectionSettings


def window_text(window) -> str:
    return "\n".join(line.body for line in window.lines)


class PresenceLog:
    """Every presence a peer receives: (type, from bare, show, status)."""

    def __init__(self, peer) -> None:
        self.seen: list[tuple[str, str, str, str]] = []
        peer.xmpp.add_event_handler("presence", self._record)

    def _record(self, presence) -> None:
        self.seen.append((presence["type"], presence["from"].bare, presence["show"], presence["status"]))

    def types_from(self, jid: str) -> list[str]:
        return [t for t, sender, _show, _status in self.seen if sender == jid]

    def last_from(self, jid: str):
        found = [entry for entry in self.seen if entry[1] == jid
                 and entry[0] not in ("subscribe", "subscribed", "unsubscribe", "unsubscribed")]
        return found[-1] if found else None


@pytest_asyncio.fixture
async def alice(prosody, make_account):
    """A headless Client (no UI) with one account, online."""
    jid, password = make_account("alice")
    client = HeadlessClient()
    account = client.add_account(ConnectionSettings(
        jid=jid, password=password, host=prosody.host, port=prosody.c2s_port, ca_file=prosody.ca_file))
    account.session.connect()
    await until(lambda: account.session.online, timeout=10, message=lambda: status_text(client))
    client.jid, client.account = jid, account
    try:
        yield client
    finally:
        await account.session.disconnect()


async def manual_peer(make_peer):
    """A peer that decides about subscriptions itself (slixmpp would say yes)."""
    peer = await make_peer()
    peer.xmpp.auto_authorize = None
    peer.xmpp.auto_subscribe = False
    # Prosody hands subscription answers only to "interested" resources:
    # those that asked for their roster, as every real client does.
    await peer.xmpp.get_roster()
    return peer


async def test_roster_add_then_acceptance_gives_both_and_presence_away_lunch(alice, make_peer):
    dave = await manual_peer(make_peer)
    dave_log = PresenceLog(dave)
    roster = alice.account.roster.model
    await run(alice, f"/roster add {dave.jid} Dave Friends")
    # dave's client receives the request
    await until(lambda: "subscribe" in dave_log.types_from(alice.jid), timeout=5)
    contact = await until(lambda: roster.get(dave.jid), timeout=5)
    assert contact.name == "Dave" and contact.groups == ("Friends",)
    await until(lambda: contact.pending_out, timeout=5)
    assert contact.subscription_marker == "[pending]"
    # dave accepts and subscribes back; alice pre-approved, so no question is asked
    dave.xmpp.send_presence(pto=alice.jid, ptype="subscribed")
    dave.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
    await until(lambda: roster.get(dave.jid).subscription == "both", timeout=5,
                message=lambda: repr(roster.get(dave.jid)))
    assert roster.get(dave.jid).subscription_marker == ""
    assert "asks to see your presence" not in status_text(alice)
    # dave's presence reaches alice's model
    dave.xmpp.send_presence(pshow="away", pstatus="lunch")
    await until(lambda: roster.get(dave.jid).best is not None
                and (roster.get(dave.jid).best.show, roster.get(dave.jid).best.status) == ("away", "lunch"),
                timeout=5, message=lambda: repr(roster.get(dave.jid)))
    # ... and alice's presence reaches dave (both ways)
    await until(lambda: dave_log.last_from(alice.jid), timeout=5)
    # dave goes offline
    await dave.stop()
    await until(lambda: not roster.get(dave.jid).online, timeout=5)


async def test_request_from_erin_is_a_status_line_and_authorize_grants_it(alice, make_peer):
    erin = await manual_peer(make_peer)
    erin_log = PresenceLog(erin)
    erin.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
    expected = f"{erin.jid} asks to see your presence: /authorize {erin.jid} or /deny {erin.jid}"
    await until(lambda: expected in status_text(alice), timeout=5, message=lambda: status_text(alice))
    roster = alice.account.roster.model
    assert [c.jid for c in roster.requests] == [erin.jid]
    assert erin.jid.split("@")[0] in alice.contact_words("", alice.windows.status)  # /authorize <Tab> completes it
    await run(alice, f"/authorize {erin.jid}")
    await until(lambda: "subscribed" in erin_log.types_from(alice.jid), timeout=5, message=lambda: status_text(alice) + repr(erin_log.seen))
    # like Gajim: alice asks back, since she does not see erin yet
    await until(lambda: "subscribe" in erin_log.types_from(alice.jid), timeout=5)
    contact = await until(lambda: roster.get(erin.jid), timeout=5)
    await until(lambda: contact.subscription == "from" and contact.pending_out, timeout=5,
                message=lambda: repr(contact))
    assert not roster.requests and contact.subscription_marker == "[pending]"
    # erin now receives alice's presence
    await until(lambda: erin_log.last_from(alice.jid), timeout=5)


async def test_deny_refuses_the_request(alice, make_peer):
    mallory = await manual_peer(make_peer)
    log = PresenceLog(mallory)
    mallory.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
    await until(lambda: f"{mallory.jid} asks to see your presence" in status_text(alice), timeout=5)
    await run(alice, f"/deny {mallory.jid}")
    await until(lambda: "unsubscribed" in log.types_from(alice.jid), timeout=5)
    assert not alice.account.roster.model.requests
    assert alice.account.roster.model.get(mallory.jid) is None
    assert "subscribed" not in log.types_from(alice.jid)


async def test_rename_group_and_remove(alice, make_peer):
    dave = await make_peer()  # a default slixmpp client: accepts and subscribes back
    roster = alice.account.roster.model
    await run(alice, f"/roster add {dave.jid}")
    await until(lambda: roster.get(dave.jid) and roster.get(dave.jid).subscription == "both", timeout=5,
                message=lambda: repr(roster.get(dave.jid)))
    assert roster.get(dave.jid).display_name == dave.jid.split("@")[0]
    await run(alice, f"/roster rename {dave.jid} Dave the Brave")
    await until(lambda: roster.get(dave.jid).name == "Dave the Brave", timeout=5)
    await run(alice, f'/roster group {dave.jid} Friends "Climbing club"')
    await until(lambda: set(roster.get(dave.jid).groups) == {"Friends", "Climbing club"}, timeout=5)
    assert roster.get(dave.jid).name == "Dave the Brave"  # a regroup keeps the name
    assert set(roster.groups()) == {"Friends", "Climbing club"}
    await run(alice, f"/roster remove {dave.jid}")
    await until(lambda: roster.get(dave.jid) is None, timeout=5)
    # and a second remove is a clear line, not a traceback
    await run(alice, f"/roster remove {dave.jid}")
    assert f"{dave.jid} is not in the roster" in status_text(alice)


async def test_bad_roster_commands_are_one_line(alice):
    for line, expected in [
        ("/roster frobnicate x@y", "Usage: /roster"),
        ("/roster add", "/roster add needs a JID"),
        ("/roster add not-a-jid", "No contact called not-a-jid: not a roster name nor a JID"),
        ("/roster add a@b@c", "Invalid JID a@b@c: second @ found"),
        ("/roster rename nobody@localhost Bob", "nobody@localhost is not in the roster"),
        ("/status sleepy", "Usage: /status online|chat|away|xa|dnd"),
    ]:
        await run(alice, line)
        assert expected in status_text(alice), (line, status_text(alice))


async def subscribed_peer(alice: HeadlessClient, make_peer):
    """bob sees alice's presence (alice authorised him)."""
    bob = await make_peer()
    await bob.xmpp.get_roster()
    log = PresenceLog(bob)
    bob.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
    await until(lambda: f"{bob.jid} asks to see your presence" in status_text(alice), timeout=5)
    await run(alice, f"/authorize {bob.jid}")
    await until(lambda: log.last_from(alice.jid), timeout=5)
    return bob, log


async def test_own_presence_commands_reach_a_subscribed_peer(alice, make_peer):
    bob, log = await subscribed_peer(alice, make_peer)
    presence = alice.account.presence

    def shown():
        entry = log.last_from(alice.jid)
        return entry and (entry[2], entry[3])

    await run(alice, "/away lunch")
    await until(lambda: shown() == ("away", "lunch"), timeout=5, message=lambda: repr(log.seen[-3:]))
    assert presence.describe() == "away: lunch"
    await run(alice, "/away")  # Irssi: /away without a message when away = back
    await until(lambda: shown() == ("", ""), timeout=5)
    assert presence.show == "online" and presence.describe() == ""
    await run(alice, "/dnd in a meeting")
    await until(lambda: shown() == ("dnd", "in a meeting"), timeout=5)
    await run(alice, "/status chat")
    await until(lambda: shown() == ("chat", ""), timeout=5)
    await run(alice, "/xa")
    await until(lambda: shown() == ("xa", ""), timeout=5)
    await run(alice, "/back")
    await until(lambda: shown() == ("", ""), timeout=5)


async def test_own_presence_survives_a_reconnection(alice, make_peer):
    bob, log = await subscribed_peer(alice, make_peer)
    await run(alice, "/status xa gone fishing")
    await until(lambda: log.last_from(alice.jid)[2:] == ("xa", "gone fishing"), timeout=5)
    mark = len(log.seen)
    await run(alice, "/reconnect")
    await until(lambda: alice.account.session.online, timeout=10)
    # bob saw alice leave, then come back still extended away
    await until(lambda: "unavailable" in [e[0] for e in log.seen[mark:]], timeout=5)
    await until(lambda: log.last_from(alice.jid)[2:] == ("xa", "gone fishing"), timeout=5,
                message=lambda: repr(log.seen[mark:]))


def _slixmpp_item(xmpp, jid: str):
    """(name, groups, subscription, pending_out) of ``jid`` in slixmpp's roster, or None."""
    if jid not in xmpp.client_roster.keys():
        return None
    item = xmpp.client_roster[jid]
    return item["name"], set(item["groups"]), item["subscription"], item["pending_out"]


def _ours(roster, jid: str):
    contact = roster.get(jid)
    if contact is None:
        return None
    return contact.name, set(contact.groups), contact.subscription, contact.pending_out


async def test_slixmpp_roster_follows_the_log_in_roster_and_every_push_each_acknowledged(
        prosody, make_account, make_peer):
    """Our roster handler replaces slixmpp's (which read each item through a
    stanza object): slixmpp's roster, which tracks the contacts' resources,
    holds what ours holds after each push and after a log-in roster, every
    push the server sends gets its result, and slixmpp makes no stanza
    object for a received item."""
    dave = await make_peer()
    jid, password = make_account("alice")
    pushes: list[str] = []
    results: list[str] = []

    wrapped: list[int] = []  # stanza objects slixmpp made for a push's items

    def pushed(stanza):
        if stanza.name == "iq" and stanza["type"] == "set" \
                and stanza.xml.find("{jabber:iq:roster}query") is not None:
            pushes.append(stanza["id"])
            wrapped.append(len(stanza["roster"].iterables))
        return stanza

    def answered(stanza):
        if stanza.name == "iq" and stanza["type"] == "result":
            results.append(stanza["id"])
        return stanza

    async with headless_client(prosody, jid, password, None) as alice:
        roster = alice.account.roster.model
        xmpp = alice.account.session.xmpp
        assert xmpp.event_handled("roster_update") == 1  # ours alone
        xmpp.add_filter("in", pushed)
        xmpp.add_filter("out", answered)
        await run(alice, f"/roster add {dave.jid} Dave")
        await until(lambda: _ours(roster, dave.jid) == ("Dave", set(), "both", False), timeout=5,
                    message=lambda: repr(_ours(roster, dave.jid)))
        await run(alice, f'/roster group {dave.jid} Friends "Climbing club"')
        await until(lambda: _ours(roster, dave.jid) == ("Dave", {"Friends", "Climbing club"}, "both", False),
                    timeout=5, message=lambda: repr(_ours(roster, dave.jid)))
        assert _slixmpp_item(xmpp, dave.jid) == _ours(roster, dave.jid)
        await until(lambda: len(pushes) >= 3 and set(pushes) <= set(results), timeout=5,
                    message=lambda: f"pushes {pushes}, results sent {results}")
        assert set(wrapped) == {0}  # the items were read from the XML alone
        # a reconnection asks for the changes since our version: "none" keeps both rosters
        answers: list = []
        xmpp.add_event_handler("roster_update", answers.append)
        await run(alice, "/reconnect")
        await until(lambda: alice.account.session.online and answers, timeout=10)
        assert len(answers[-1].xml.find("{jabber:iq:roster}query") or []) == 0  # nothing changed
        assert _slixmpp_item(xmpp, dave.jid) == _ours(roster, dave.jid) == (
            "Dave", {"Friends", "Climbing club"}, "both", False)

    # a new client (an empty slixmpp roster): the log-in roster fills both
    async with headless_client(prosody, jid, password, None) as again:
        roster = again.account.roster.model
        xmpp = again.account.session.xmpp
        await until(lambda: _ours(roster, dave.jid) is not None, timeout=5)
        assert _slixmpp_item(xmpp, dave.jid) == _ours(roster, dave.jid) == (
            "Dave", {"Friends", "Climbing club"}, "both", False)
        assert xmpp.client_roster.version  # Prosody versions rosters: a reconnection asks for changes only
        pushes.clear()
        results.clear()
        xmpp.add_filter("in", pushed)
        xmpp.add_filter("out", answered)
        await run(again, f"/roster remove {dave.jid}")
        await until(lambda: roster.get(dave.jid) is None, timeout=5)
        assert _slixmpp_item(xmpp, dave.jid) is None
        await until(lambda: pushes and set(pushes) <= set(results), timeout=5,
                    message=lambda: f"pushes {pushes}, results sent {results}")
