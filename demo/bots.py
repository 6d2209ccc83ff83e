"""Demo peers: slixmpp bots that make the demo world feel inhabited.

Run by ``python -m demo`` as a child process; it dies with it. In order:

1. bob and carol log in, and a short-lived alice client ("alice/setup")
   subscribes to both, with names and a group, until the *server's* roster
   says "both": Parlons then starts with two contacts whose presence it sees.
   (Done over XMPP rather than by writing Prosody's storage files: it is
   what a real account goes through, and takes ≈0.1 s on loopback.)
   The same client bookmarks the demo room with autojoin (XEP-0402), and
   bob and carol create the room: Parlons joins it on connect.
   bob and carol have blogs (XEP-0277, demo/blog_bot.py): an entry in
   XHTML with tags, one with comments; a minute in, carol posts another
   and bob comments on it: ``/blog`` in Parlons shows the timeline live.
   While only alice's phone ("alice/phone") is online, bob writes her two
   notes, one of them OpenPGP: nothing waits in offline storage, her
   archive has them, and Parlons reads them from it at log-in (the sealed
   one decrypted as it is read).
2. ``ready`` is printed on stdout: ``demo/__main__.py`` starts Parlons then.
3. erin logs in and asks alice for a subscription (``/authorize`` it in
   Parlons); once authorised she says thanks.
4. Life goes on at a human pace: bob answers 1:1 messages (in OTR once
   alice starts it: ``/otr start`` in his window) the way a person's client
   does: a delivery receipt (XEP-0184: alice's line gets its ✓), "typing"
   (XEP-0085 composing) for a moment, the answer, then active again.
   bob and carol chat in the demo room (lines from a small grammar with
   scripted moments: demo/lounge.py; now and then mentioning alice: a
   highlight), where alice may set the topic, and change presence every few
   tens of seconds (bob goes away for coffee and comes back).

``PARLONS_DEMO_PACE`` (default 1) multiplies every wait of that life: the
demo's own test runs it faster.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import random
import sys
from xml.etree import ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

from demo import blog_bot, otr_bot
from demo.lounge import talk
from demo.otr_bot import OtrSpeaker
from demo.ox_bot import OxSpeaker
from demo.pgp_bot import PgpSpeaker
from tui.xmpp.muc.bookmarks import NS as BOOKMARKS_NS, Bookmark, conference_from_bookmark, publish_options

SETUP_TIMEOUT = 10.0
PACE = float(os.environ.get("PARLONS_DEMO_PACE") or 1.0)  # how fast life goes on (the test: faster)
TYPING_SECONDS = (1.0, 2.5)  # bob "types" his answer this long (not paced: it must be seen)

# (seconds to wait, show or None for available, status text), cycled per bot.
PRESENCE_SCRIPT = {
    "carol": [
        (25, "away", "lunch"),
        (40, None, "back from lunch"),
        (60, "dnd", "in a meeting"),
        (45, None, "carol is around"),
    ],
    "bob": [
        (50, "away", "coffee"),
        (30, None, "bob is around"),
        (70, "xa", "gone fishing"),
        (40, None, "bob is around"),
    ],
}

# Alice's contacts at demo start: JID local part -> (name, group).
ALICE_CONTACTS = {"bob": ("Bob", "Friends"), "carol": ("Carol", "Work")}


def _client(jid: str, password: str, ca_file: str) -> slixmpp.ClientXMPP:
    xmpp = slixmpp.ClientXMPP(jid, password)
    xmpp.ssl_context.load_verify_locations(cafile=ca_file)
    xmpp.enable_direct_tls = False
    xmpp.register_plugin("xep_0308")  # message corrections
    return xmpp


class Bot(slixmpp.ClientXMPP):
    def __init__(self, jid: str, password: str, ca_file: str, room: str | None, nick: str,
                 answer: bool, status: str | None = None):
        super().__init__(jid, password)
        self.ssl_context.load_verify_locations(cafile=ca_file)
        self.enable_direct_tls = False
        self.room = room
        self.nick = nick
        self.answer = answer
        self.status = status or f"{nick} is around"
        self.joined = asyncio.Event()
        self.otr: OtrSpeaker | None = None  # bob speaks OTR (made at session start)
        self.pgp: PgpSpeaker | None = None  # and OpenPGP, when the demo made keys
        self.ox: OxSpeaker | None = None  # and OX (his key announced in PEP), with the same keys
        # Join only after this bot has: the first joiner creates the room,
        # which stays locked (others are refused) until it is configured.
        self.join_after: asyncio.Event | None = None
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0045")
        self.register_plugin("xep_0060")
        self.register_plugin("xep_0085")  # chat states: "typing" before an answer
        self.register_plugin("xep_0184")  # receipts: a request is acknowledged (auto_ack)
        self._answering: set[asyncio.Task] = set()  # answers being "typed"
        self.add_event_handler("session_start", self._start)
        self.add_event_handler("message", self._message)

    async def _start(self, _event) -> None:
        if self.answer and otr_bot.potr is not None and self.otr is None:
            self.otr = OtrSpeaker(self)
        await self.get_roster()
        self.send_presence(pstatus=self.status)
        if self.room is not None:
            if self.join_after is not None:
                await self.join_after.wait()
            await self._join_room()
        self.joined.set()

    async def _join_room(self) -> None:
        muc = self.plugin["xep_0045"]
        try:
            room = slixmpp.JID(self.room)
            # slixmpp 1.17: (own presence, subject, occupants, history)
            presence, *_ = await muc.join_muc_wait(room, self.nick, maxchars=0, timeout=20)
            if 201 in presence["muc"]["status_codes"]:
                # A new room is locked until configured: the defaults, except
                # that anyone may set the topic (alice's /topic works).
                form = await muc.get_room_config(room)
                form["type"] = "submit"
                form.set_values({"muc#roomconfig_changesubject": True})
                await muc.set_room_config(room, form)
        except Exception as exc:
            logging.warning("%s could not join %s: %s", self.nick, self.room, exc)

    def _message(self, msg: slixmpp.Message) -> None:
        if not self.answer or msg["type"] not in ("chat", "normal") or not msg["body"]:
            return
        ox = self.ox.receive(msg) if self.ox is not None else None
        openpgp = self.pgp.receive(msg) if self.pgp is not None and ox is None else None
        said = ox if ox is not None else openpgp if openpgp is not None else \
            self.otr.receive(msg) if self.otr is not None else msg["body"]
        if said is None:  # OTR's own business (the handshake)
            return
        body = said.strip()
        reply = f"you said: {body}" if len(body) < 200 else f"that was {len(body)} characters, thanks"
        how = "ox" if ox is not None else "pgp" if openpgp is not None else ""
        task = asyncio.create_task(self._answer(msg["from"].bare, reply, how=how))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _answer(self, to: str, reply: str, *, how: str) -> None:
        """As a person's client would: "typing" for a moment, the answer, active
        again; answered as it was asked (``how``: "ox", "pgp", else OTR or clear)."""
        self.chat_state(to, "composing")
        await asyncio.sleep(random.uniform(*TYPING_SECONDS))
        if how == "ox" and self.ox is not None:  # signed and encrypted to alice
            self.ox.answer(to, reply)
        elif how == "pgp" and self.pgp is not None:  # encrypted to alice
            self.pgp.answer(to, reply)
        elif self.otr is not None:
            self.otr.answer(to, reply)
        else:
            self.send_message(mto=slixmpp.JID(to), mbody=reply, mtype="chat")
        self.chat_state(to, "active")

    def chat_state(self, to: str, state: str) -> None:
        """A standalone chat state (XEP-0085), not worth storing (XEP-0334)."""
        msg = self.make_message(mto=to, mtype="chat")
        msg["chat_state"] = state
        msg.xml.append(ET.Element("{urn:xmpp:hints}no-store"))
        msg.send()

    def set_presence(self, show: str | None, status: str) -> None:
        """To the contacts, and to the room (MUC presence is directed)."""
        self.send_presence(pshow=show, pstatus=status)
        if self.room is not None:
            self.send_presence(pto=f"{self.room}/{self.nick}", pshow=show, pstatus=status)

    async def live_presence(self, script) -> None:
        for delay, show, status in itertools.cycle(script):
            await asyncio.sleep(delay * PACE * random.uniform(0.8, 1.2))
            self.set_presence(show, status)


class Newcomer(Bot):
    """erin: asks alice for a subscription on start, says thanks when granted."""

    def __init__(self, *args, ask: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask = ask
        self.add_event_handler("presence_subscribed", self._granted)

    async def _start(self, event) -> None:
        await super()._start(event)
        self.send_presence_subscription(pto=self.ask, ptype="subscribe",
                                        pnick="Erin")

    def _granted(self, presence: slixmpp.Presence) -> None:
        if presence["from"].bare == self.ask:
            self.send_message(mto=slixmpp.JID(self.ask), mbody="thanks for adding me!", mtype="chat")


_SETUP_CLIENTS: list[slixmpp.ClientXMPP] = []  # see arrange_alice_roster


async def arrange_alice_roster(args, domain: str) -> bool:
    """alice@domain subscribes to her demo contacts (who auto-accept and ask
    back; alice's setup client accepts) until the server's roster says
    "both" for each. Returns whether it got there in time."""
    alice = _client(f"alice@{domain}/setup", args.password, args.ca)
    alice.register_plugin("xep_0060")
    wanted = {f"{user}@{domain}": info for user, info in ALICE_CONTACTS.items()}
    started = asyncio.Event()
    alice.add_event_handler("session_start", lambda _e: started.set())
    alice.connect(host=args.host, port=args.port)
    try:
        await asyncio.wait_for(started.wait(), SETUP_TIMEOUT)
        await alice.get_roster()
        alice.send_presence()  # a subscription request is only delivered to an available resource
        for jid, (name, group) in wanted.items():
            # a Future: None only when a callback= is given
            await alice.update_roster(slixmpp.JID(jid), name=name, groups=[group])  # type: ignore[misc]
            alice.send_presence_subscription(pto=jid, ptype="subscribe")

        async def all_mutual() -> None:
            while True:
                # the server pushes every roster change; an iq "get" may come
                # back empty (roster versioning), so read the pushed state
                if all(alice.client_roster[jid]["subscription"] == "both" for jid in wanted):
                    return
                await asyncio.sleep(0.05)

        await asyncio.wait_for(all_mutual(), SETUP_TIMEOUT)
        await bookmark_demo_room(alice, args.room)
        return True
    except (asyncio.TimeoutError, IqError, IqTimeout) as exc:
        logging.warning("could not arrange alice's roster: %r", exc)
        return False
    finally:
        alice.send_presence(ptype="unavailable")
        await alice.disconnect()
        # slixmpp leaves a filter task pending after a disconnect; collected
        # while pending it logs "Task was destroyed" into bots.log at a random
        # moment. The setup client is kept until the bots end.
        _SETUP_CLIENTS.append(alice)


# What bob wrote while alice was away (only her phone online): read from her archive at log-in.
NOTES_WHILE_AWAY = ("I wrote while you were away: your phone got it, your archive kept it",
                    "and this one is sealed: only your key opens it")


async def notes_while_away(bob: Bot, args, domain: str) -> None:
    """bob writes to alice while only her phone is online (see the module's
    docstring); returns once the phone got them."""
    alice = f"alice@{domain}"
    phone = _client(f"{alice}/phone", args.password, args.ca)
    started, got = asyncio.Event(), asyncio.Event()
    expected = len(NOTES_WHILE_AWAY) if bob.pgp is not None else 1
    count = [0]

    def received(msg: slixmpp.Message) -> None:
        if msg["from"].bare == bob.boundjid.bare and msg["body"]:
            count[0] += 1
            if count[0] >= expected:
                got.set()

    def online(_event) -> None:
        phone.send_presence()  # available: what is sent to alice goes to it
        started.set()
    phone.add_event_handler("message", received)
    phone.add_event_handler("session_start", online)
    phone.connect(host=args.host, port=args.port)
    try:
        await asyncio.wait_for(started.wait(), SETUP_TIMEOUT)
        bob.send_message(mto=slixmpp.JID(alice), mbody=NOTES_WHILE_AWAY[0], mtype="chat")
        if bob.pgp is not None:
            bob.pgp.answer(alice, NOTES_WHILE_AWAY[1])
        await asyncio.wait_for(got.wait(), SETUP_TIMEOUT)
    except asyncio.TimeoutError:
        logging.warning("bob's notes did not reach alice's phone in time")
    finally:
        phone.send_presence(ptype="unavailable")
        await phone.disconnect()
        _SETUP_CLIENTS.append(phone)  # (see arrange_alice_roster)


async def bookmark_demo_room(alice: slixmpp.ClientXMPP, room: str) -> None:
    """A XEP-0402 bookmark with autojoin: Parlons joins the demo room on
    connect, the way it would for a real account."""
    payload = conference_from_bookmark(Bookmark(room, name="Lounge", nick="alice", autojoin=True))
    try:
        await alice.plugin["xep_0060"].publish(alice.boundjid.bare, BOOKMARKS_NS, id=room, payload=payload,
                                               options=publish_options(), timeout=SETUP_TIMEOUT)
    except (IqError, IqTimeout) as exc:
        logging.warning("could not bookmark %s for alice: %r", room, exc)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--domain", default="localhost")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--room", required=True)
    parser.add_argument("--bob-gnupg", help="bob's keyring (his key, alice's public key)")
    parser.add_argument("--alice-key", help="alice's OpenPGP fingerprint")
    parser.add_argument("--bob-key", help="bob's OpenPGP fingerprint (announced for OX)")
    parser.add_argument("--seed", type=int, default=12, help="what the lounge talk says (demo/lounge.py)")
    args = parser.parse_args()
    alice = f"alice@{args.domain}"

    bots = {
        nick: Bot(f"{nick}@{args.domain}/bot", args.password, args.ca, args.room, nick,
                  answer=(nick == "bob"))
        for nick in ("bob", "carol")
    }
    bots["carol"].join_after = bots["bob"].joined
    if args.bob_gnupg and args.alice_key:
        bots["bob"].pgp = PgpSpeaker(bots["bob"], args.bob_gnupg, args.alice_key)
        if args.bob_key:
            bots["bob"].ox = OxSpeaker(bots["bob"], args.bob_gnupg, args.bob_key, args.alice_key)
    for bot in bots.values():
        bot.connect(host=args.host, port=args.port)
    # The roster exchange needs bob and carol online to auto-accept; the room
    # join can finish while Parlons starts.
    await arrange_alice_roster(args, args.domain)
    try:  # the bots create the room: alice's autojoin must not find it missing or locked
        await asyncio.wait_for(asyncio.gather(*(bot.joined.wait() for bot in bots.values())), SETUP_TIMEOUT)
    except asyncio.TimeoutError:
        logging.warning("the bots did not join %s in time", args.room)
    await notes_while_away(bots["bob"], args, args.domain)
    comments_service = f"pubsub.{args.domain}"
    for post in blog_bot.AT_START:
        await blog_bot.publish(bots, post, comments_service)
    if bots["bob"].ox is not None:
        try:  # alice's /ox start finds his key there
            await bots["bob"].ox.announce()
        except Exception as exc:
            logging.warning("bob could not announce his OX key: %s", exc)
    print("ready", flush=True)  # demo/__main__.py waits for this line

    erin = Newcomer(f"erin@{args.domain}/bot", args.password, args.ca, None, "erin",
                    answer=False, status="new here", ask=alice)
    erin.connect(host=args.host, port=args.port)

    await asyncio.gather(*(bot.joined.wait() for bot in bots.values()))
    tasks = [asyncio.create_task(bots[nick].live_presence(script))
             for nick, script in PRESENCE_SCRIPT.items()]
    tasks.append(asyncio.create_task(blog_while_running(bots, comments_service)))
    try:
        for nick, text, correction in talk(args.seed):
            await asyncio.sleep(random.uniform(4, 9) * PACE)  # a human pace, not a test
            said = bots[nick].make_message(mto=args.room, mbody=text, mtype="groupchat")
            said["id"] = bots[nick].new_id()
            said.send()
            if correction:
                await asyncio.sleep(2 * PACE)
                fix = bots[nick].make_message(mto=args.room, mbody=correction, mtype="groupchat")
                fix["replace"]["id"] = said["id"]
                fix.send()
    finally:
        for task in tasks:
            task.cancel()


async def blog_while_running(bots: dict, comments_service: str) -> None:
    """A minute in (at the demo's pace), carol posts and bob comments: /blog lives."""
    await asyncio.sleep(60 * PACE)
    await blog_bot.publish(bots, blog_bot.WHILE_RUNNING, comments_service)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main())
