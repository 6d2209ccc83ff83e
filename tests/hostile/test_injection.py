"""Injection: a fixed list of vectors in every untrusted field, sent by a
real peer, asserted on the BYTES the terminal receives.

Parlons runs in tmux; ``pipe-pane`` copies everything it writes to the
terminal into a file. Whatever a peer sends must reach that stream as
inert text: no C1 control (8-bit CSI/OSC/DCS/ST), no bidi control, no
zero-width character, no OSC title/hyperlink/clipboard sequence carrying
the peer's payload; markup stays literal on screen and the app keeps
running. ESC, BEL and the other C0 controls cannot travel in XML 1.0 (the
server would cut the sender's stream), so the escape sequences travel in
their 8-bit C1 forms, which XML allows.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from tests.harness.blogs import PEER_PLUGINS, publish_raw
from tests.harness.forging import send_child
from tests.harness.rooms import open_room, room_name, say
from tests.harness.terminal import screen_shows, start_parlons, title
from tests.harness.wait import until
from tui.xmpp.blog.comments import NODE_OPTIONS
from tui.xmpp.pep import NODE_CONFIG, pubsub_form

MARKUP = ("[@click=app.quit]q[/]", "[b]bold[/b]", "[link=https://evil.example]lnk[/link]")
VECTORS = MARKUP + (
    "\x9d0;PWNED-TITLE\x9c",  # OSC 0: set the window title (8-bit OSC … ST)
    "\x9d8;;https://evil.example\x9cPWNED-LINK\x9d8;;\x9c",  # OSC 8: a hyperlink
    "\x9d52;c;UFdORUQ=\x9c",  # OSC 52: write the clipboard
    "\x9b2J", "\x9b31mred",  # CSI: clear the screen, colour
    "\x90+q544e\x9c",  # DCS: XTGETTCAP (the terminal answers as if typed)
    "\x85\x9b\x9f",  # more C1 controls: NEL, CSI, APC
    "\u202egnp.exe\u202c", "\u2066\u2067\u2068\u2069",  # bidi overrides and isolates
    "z\u200bw\u2060j\ufeffx",  # zero-width characters
)
C1 = {chr(c) for c in range(0x80, 0xA0)}
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u2060\ufeff")
# an OSC (7- or 8-bit introducer) whose text is the peer's payload
HOSTILE_OSC = re.compile(rb"(?:\x1b\]|\xc2\x9d)[^\x07\x1b]*(?:PWNED|evil\.example|UFdORUQ)")


def vector(tag: str) -> str:
    """One field's hostile text: its tag (to find it on screen) and every vector."""
    return f"{tag}:" + " ".join(VECTORS)


def pipe_output(tmux, path: Path) -> None:
    """Copy what the program writes to its terminal into ``path`` from now on."""
    tmux.tmux("pipe-pane", "-t", "main", "-o", f"cat >> {path}")


def leaks(raw: bytes) -> list[str]:
    """What in the terminal's input came from a peer's controls."""
    text = raw.decode("utf-8", errors="surrogateescape")
    found = sorted({f"U+{ord(ch):04X}" for ch in text
                    if ch in C1 or ch in BIDI or ch in ZERO_WIDTH or "\udc80" <= ch <= "\udcff"})
    found += [m.group().decode("latin-1") for m in HOSTILE_OSC.finditer(raw)]
    return found


async def screen_has(tmux, *texts: str, timeout: float = 10.0) -> str:
    return await until(lambda: all(t in tmux.capture() for t in texts) and tmux.capture(), timeout=timeout,
                       message=lambda: f"{texts!r} on screen:\n{tmux.capture()}")


async def still_running(tmux) -> None:
    """The app still answers keys: no markup ran app.quit, nothing froze it."""
    tmux.send_keys("Escape")
    tmux.send_keys("M-1")
    await until(lambda: "1:status" in title(tmux), timeout=5, message=lambda: tmux.capture())
    assert not tmux.pane_dead()


async def window_two(tmux) -> None:
    """Alt+2 until window 2 is the one shown (it exists once bob's message
    opened it; "2:" alone on screen could be the clock: 12:06)."""
    def shown() -> bool:
        tmux.send_keys("M-2")
        return "1:status" not in title(tmux) and "2:" in title(tmux)
    await until(shown, timeout=10, interval=0.2, message=lambda: tmux.capture())


async def started(tmux, tmp_path, prosody, make_account) -> tuple[str, str, Path]:
    jid, password = make_account("alice")
    start_parlons(tmux, tmp_path, prosody, jid, password)
    await screen_shows(tmux, f"{jid}: online")
    raw = tmp_path / "terminal.raw"
    pipe_output(tmux, raw)
    return jid, password, raw


# -- conversations: body, subject, error text, roster name, presence status ----------------------
async def test_chat_fields_reach_the_terminal_inert(prosody, make_account, make_peer, tmux, tmp_path):
    jid, password, raw = await started(tmux, tmp_path, prosody, make_account)
    bob = await make_peer()
    # alice's other client names bob in her roster and subscribes (bob's client agrees)
    phone = await make_peer(jid=jid, password=password)
    await phone.xmpp.update_roster(bob.jid, name=vector("RNAME"))
    phone.xmpp.send_presence_subscription(pto=bob.jid)
    await screen_shows(tmux, f"{bob.jid} accepted your subscription request")
    bob.xmpp.send_presence(pstatus=vector("STATUS"))
    bob.xmpp.send_message(mto=jid, mbody=vector("BODY"), msubject=vector("SUBJECT"), mtype="chat")
    await window_two(tmux)
    await screen_has(tmux, "BODY:[@click=app.quit]q[/] [b]bold[/b]")

    tmux.type_line("answer me")
    await until(lambda: "answer me" in bob.bodies(), timeout=5)
    mine = next(m.stanza for m in bob.messages if m.body == "answer me")
    error = bob.xmpp.make_message(mto=mine["from"].full, mtype="error")
    error["id"] = mine["id"]  # the answer to alice's message
    error.xml.append(ET.fromstring(
        f"<error xmlns='jabber:client' type='cancel'>"
        f"<undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        f"<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>{escape(vector('ERROR'))}</text></error>"))
    error.send()
    await screen_has(tmux, "ERROR:[@click=app.quit]q[/]")

    tmux.resize(400, 40)  # a contact's row: its name, then its status text
    tmux.type_line("/roster")
    await screen_has(tmux, "RNAME:[@click=app.quit]q[/]", "STATUS:[@click=app.quit]q[/]")
    await still_running(tmux)
    assert leaks(raw.read_bytes()) == []


# -- rooms: nick, topic, occupant status, invitation reasons --------------------------------------------
NICK = "[@click=app.quit]N[/]"  # resourceprep refuses controls in nicks; markup it allows


async def test_room_fields_reach_the_terminal_inert(prosody, make_account, make_peer, tmux, tmp_path):
    jid, _password, raw = await started(tmux, tmp_path, prosody, make_account)
    bob = await make_peer()
    room, other_room = room_name(prosody, "den"), room_name(prosody, "attic")
    await open_room(bob, room, NICK, topic=vector("TOPIC"))
    tmux.type_line(f"/join {room}")
    await screen_has(tmux, "TOPIC:[@click=app.quit]q[/] [b]bold[/b]", NICK)
    bob.xmpp.send_presence(pto=f"{room}/{NICK}", pstatus=vector("RSTATUS"))
    say(bob, room, vector("RBODY"))
    await screen_has(tmux, "RBODY:[@click=app.quit]q[/] [b]bold[/b]")
    tmux.type_line(f"/whois {NICK}")
    await screen_has(tmux, "RSTATUS:[@click=app.quit]q[/]")

    # (slixmpp drops mediated invitations to a room we are in: another room)
    await open_room(bob, other_room, "bob")
    bob.plugin["xep_0045"].invite(other_room, jid, reason=vector("MEDIATED"))
    send_child(bob, jid, f"<x xmlns='jabber:x:conference' jid='{room_name(prosody, 'loft')}' "
                         f"reason={quoteattr(vector('DIRECT'))}/>")
    tmux.send_keys("M-1")
    await screen_has(tmux, "MEDIATED:[@click=app.quit]q[/]", "DIRECT:[@click=app.quit]q[/]")
    await still_running(tmux)
    assert leaks(raw.read_bytes()) == []


# -- blogs: title, body, author, comment ----------------------------------------------------------------
def atom(item: str, *, title: str, body: str, name: str, jid: str, replies: str = "") -> str:
    return (f"<entry xmlns='http://www.w3.org/2005/Atom'><id>{item}</id><title>{escape(title)}</title>"
            f"<content>{escape(body)}</content><author><name>{escape(name)}</name><uri>xmpp:{jid}</uri></author>"
            f"{replies}<published>2026-01-01T10:00:00Z</published></entry>")


async def test_blog_fields_reach_the_terminal_inert(prosody, make_account, make_peer, tmux, tmp_path):
    _jid, _password, raw = await started(tmux, tmp_path, prosody, make_account)
    bob = await make_peer(plugins=PEER_PLUGINS)
    service, node = prosody.pubsub_domain, f"urn:xmpp:microblog:0:comments/{uuid.uuid4().hex}"
    await bob.plugin["xep_0060"].create_node(service, node, config=pubsub_form(NODE_CONFIG, NODE_OPTIONS), timeout=5)
    await bob.plugin["xep_0060"].publish(service, node, id="c1", payload=ET.fromstring(atom(
        "c1", title=vector("COMMENT"), body="", name=vector("CAUTHOR"), jid=bob.jid)), timeout=5)
    replies = f"<link rel='replies' href='xmpp:{service}?;node={node}'/>"
    await publish_raw(bob, atom("e1", title=vector("TITLE"), body=vector("BLOGBODY"), name=vector("AUTHOR"),
                                jid=bob.jid, replies=replies), item="e1")

    tmux.resize(400, 40)  # header rows hold author and title unbroken
    tmux.type_line(f"/blog read {bob.jid}")
    await screen_has(tmux, "AUTHOR:[@click=app.quit]q[/]", "TITLE:[@click=app.quit]q[/]")  # its row in the list
    tmux.type_line("/blog show 1")  # typed into the blog pane: it hands the keys to the input line
    await screen_has(tmux, "BLOGBODY:[@click=app.quit]q[/]", "COMMENT:[@click=app.quit]q[/] [b]bold[/b]")
    await still_running(tmux)
    assert leaks(raw.read_bytes()) == []


# -- OTR: the one channel where a peer's ESC, BEL and other C0 controls travel -------------------
OTR_VECTORS = ("\x1b]0;PWNED-TITLE\x07", "\x1b]52;c;UFdORUQ=\x07", "\x1b[2J\x1b[31mred", "\x1bP+q544e\x1b\\",
               "bell\x07\x08\x7f", "\u202egnp.exe\u202c", "[@click=app.quit]q[/]")


async def test_otr_plaintext_reaches_the_terminal_inert(prosody, make_account, make_peer, tmux, tmp_path):
    """XML cannot carry ESC or BEL, but an OTR message's plaintext can: it is
    base64 on the wire. What bob encrypts must reach the terminal as inert as
    any other text (asserted on the bytes the terminal receives)."""
    from tests.harness.otr_peer import OtrPeer

    jid, _password, raw = await started(tmux, tmp_path, prosody, make_account)
    bob = OtrPeer(await make_peer())
    bob.peer.send(jid, "hello in clear")
    await window_two(tmux)
    await screen_has(tmux, "hello in clear")
    tmux.type_line("/otr start")
    await until(lambda: bob.encrypted(jid), timeout=30, message=lambda: tmux.capture())
    await screen_has(tmux, "OTR session started")
    bob.say(jid, "OTRBODY:" + " ".join(OTR_VECTORS))
    await screen_has(tmux, "OTRBODY:")
    await screen_has(tmux, "[@click=app.quit]q[/]")
    await still_running(tmux)
    written = raw.read_bytes()
    assert leaks(written) == []
    assert b"\x1b]0;PWNED" not in written and b"\x1b]52;c;UFdORUQ" not in written and b"\x1bP+q" not in written
