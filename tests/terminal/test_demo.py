"""`make demo` in a real terminal: the demo world comes up, Parlons is online
as alice with bob and carol in her roster, erin asks for a subscription and
thanks for it, bob answers (in clear, in OTR, in OpenPGP) with a receipt and
"typing" first, what he wrote while alice was away is in his window (read
from her archive, decrypted), his presence changes show in his window and its title, the
demo room is joined (bookmark autojoin), alice may set its topic, its talk
varies, bob's and carol's blogs are on alice's timeline (a new entry arrives
while it runs), and quitting leaves nothing running.

The demo's life runs faster here (``PARLONS_DEMO_PACE``): presence changes
and room lines come every second or so rather than every few."""

from __future__ import annotations

import itertools
import os
import re
import time
from pathlib import Path

from demo.bots import NOTES_WHILE_AWAY
from demo.lounge import MOMENTS, talk
from tests.harness.wait import until

PACE = "0.15"
BOB_STATUSES = ("bob is around", "coffee", "gone fishing")  # demo/bots.py PRESENCE_SCRIPT


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited; only its parent's wait is missing
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def pane(tmux, fmt: str) -> str:
    return tmux.tmux("display-message", "-p", "-t", "main", fmt).rstrip("\n")


async def test_make_demo_comes_up_online_and_cleans_up(tmux, tmp_path):
    state = tmp_path / "demo"
    started = time.monotonic()
    tmux.start(["make", "-s", "demo"], env={"PARLONS_DEMO_STATE": str(state), "PARLONS_DEMO_PACE": PACE},
               width=120, height=40)
    await until(lambda: "alice@localhost: online" in tmux.capture(), timeout=60,
                message="Parlons online in the demo")
    print(f"demo: Parlons online {time.monotonic() - started:.1f} s after `make demo`")
    # the bots set everything up before Parlons starts: nothing failed or timed out
    # (a speed figure belongs in a benchmark, not in a test that a loaded machine fails)
    assert (state / "bots.log").read_text() == ""
    server_pid = int((state / "prosody" / "prosody.pid").read_text())
    bots_pid = int((state / "bots.pid").read_text())
    assert alive(server_pid) and alive(bots_pid)

    # erin asks on start; once authorised she says thanks: a message to us
    # in another window rings the bell and counts in the title
    await until(lambda: "/authorize erin@localhost" in tmux.capture(), timeout=10,
                message="erin's subscription request in the status window")
    tmux.type_line("/authorize erin@localhost")
    await until(lambda: pane(tmux, "#{window_bell_flag}") == "1", timeout=10, message="bell")
    # (the lounge's talk counts too: "(2)" once it has said something)
    await until(lambda: re.match(r"\([12]\) Parlons", pane(tmux, "#{pane_title}")), timeout=5,
                message=lambda: pane(tmux, "#{pane_title}"))

    # bob and carol are alice's contacts from the start, their presence shown
    tmux.type_line("/roster")
    # (names and status texts exist only if the roster was arranged before start;
    # the first presence change comes tens of seconds later)
    await until(lambda: all(text in tmux.capture() for text in ("Bob", "Carol"))
                and any(text in tmux.capture() for text in BOB_STATUSES),
                timeout=10, message="bob and carol in the roster window")
    tmux.send_keys("M-1")
    await until(lambda: pane(tmux, "#{pane_title}").endswith("1:status"), timeout=5)

    tmux.type_line("/msg bob@localhost hello demo")
    # bob's client: a receipt (alice's line gets its ✓), "typing" a moment, the answer, typing over
    status_bar = lambda: [line for line in tmux.capture().splitlines() if line.startswith("[")]  # noqa: E731
    await until(lambda: any("is typing" in line for line in status_bar()), timeout=15,
                message=lambda: tmux.capture())
    await until(lambda: any(re.search(r"✓ ?<alice> hello demo", line) for line in tmux.capture().splitlines()),
                timeout=15, message=lambda: tmux.capture())
    await until(lambda: "you said: hello demo" in tmux.capture(), timeout=15,
                message="bob's answer in his window")
    # above it, what bob wrote while alice was away: read from her archive, the sealed one decrypted
    assert all(note in tmux.capture() for note in NOTES_WHILE_AWAY), tmux.capture()
    await until(lambda: status_bar() and not any("is typing" in line for line in status_bar()), timeout=5,
                message=lambda: tmux.capture())
    # bob goes away and comes back now and then: his window says so, its title shows it
    await until(lambda: "-!- Bob is now away (coffee)" in tmux.capture(), timeout=30,
                message=lambda: tmux.capture())
    await until(lambda: "bob@localhost — " in tmux.capture().splitlines()[0], timeout=5,
                message=lambda: tmux.capture())
    # bob speaks OTR: the session starts, the status bar says so, and he answers inside it
    tmux.type_line("/otr start")
    await until(lambda: "OTR session started (unverified: /otr fpr, /otr smp)" in tmux.capture(), timeout=15,
                message=lambda: tmux.capture())
    await until(lambda: "OTR unverified" in tmux.capture(), timeout=5, message=lambda: tmux.capture())
    tmux.type_line("private hello")
    await until(lambda: "you said: private hello" in tmux.capture(), timeout=15, message=lambda: tmux.capture())
    tmux.type_line("/otr end")
    await until(lambda: "OTR session ended" in tmux.capture(), timeout=5, message=lambda: tmux.capture())
    await until(lambda: status_bar() and not any("OTR" in line for line in status_bar()), timeout=5,
                message=lambda: tmux.capture())
    # bob has an OpenPGP key, and alice's is set up: XEP-0027 both ways
    tmux.type_line("/pgp start")
    await until(lambda: any("[PGP" in line for line in status_bar()), timeout=10, message=lambda: tmux.capture())
    tmux.type_line("sealed hello")
    await until(lambda: "you said: sealed hello" in tmux.capture(), timeout=15, message=lambda: tmux.capture())
    tmux.type_line("/pgp end")
    await until(lambda: status_bar() and not any("PGP" in line for line in status_bar()), timeout=5,
                message=lambda: tmux.capture())
    # and OX: bob's key is announced in his account, alice's keyring has hers (xmpp:alice@…)
    tmux.type_line("/ox start")
    await until(lambda: any("[OX]" in line for line in status_bar()), timeout=10, message=lambda: tmux.capture())
    tmux.type_line("signcrypted hello")
    await until(lambda: "you said: signcrypted hello" in tmux.capture(), timeout=15, message=lambda: tmux.capture())
    tmux.type_line("/ox end")
    await until(lambda: status_bar() and not any("OX" in line for line in status_bar()), timeout=5,
                message=lambda: tmux.capture())

    # the demo room is bookmarked with autojoin: its window exists with the bots in it
    tmux.type_line("/win lounge")
    # (its talk soon scrolls "You are in lounge@…" away: the title and the nick list say it)
    await until(lambda: "lounge@conference.localhost" in tmux.capture().splitlines()[0]
                and all(re.search(rf"^.*▏ *[@+]?{nick}\b", tmux.capture(), re.M) for nick in ("alice", "bob", "carol")),
                timeout=15, message=lambda: tmux.capture())
    # alice may set the topic (the bots' room lets anyone); the title shows it
    tmux.type_line("/topic tea at four")
    await until(lambda: "tea at four" in tmux.capture().splitlines()[0], timeout=10,
                message=lambda: tmux.capture())
    # the talk varies: more different lines than the old nine-line loop had
    heard: set[str] = set()

    def hear() -> int:
        for line in tmux.capture().splitlines():
            said = re.search(r"<(?:bob|carol)> (.+)", line)
            if said:
                heard.add(said.group(1).strip())
        return len(heard)

    await until(lambda: hear() >= 12, timeout=60, message=lambda: f"{sorted(heard)}\n{tmux.capture()}")

    # the blogs: bob's and carol's entries on the timeline (XHTML with tags, comments),
    # and carol's entry written while the demo runs arrives by itself
    tmux.type_line("/blog")
    await until(lambda: all(title in tmux.capture() for title in
                            ("Trying Parlons", "Notes from the XMPP devroom", "Tea at four")),
                timeout=15, message=lambda: tmux.capture())
    await until(lambda: "Written while you watch" in tmux.capture(), timeout=30, message=lambda: tmux.capture())
    devroom = next(line for line in tmux.capture().splitlines() if "Notes from the XMPP devroom" in line)
    assert "xmpp" in devroom and "fosdem" in devroom, devroom  # its tags
    tmux.type_line("/blog search devroom")
    await until(lambda: "Notes from the XMPP devroom" in tmux.capture() and "Tea at four" not in tmux.capture(),
                timeout=10, message=lambda: tmux.capture())
    tmux.type_line("/blog show 1")  # open it (what Enter in the pane sends): formatted, no raw tags
    await until(lambda: "Three talks I liked" in tmux.capture() and "xmpp.org" in tmux.capture(), timeout=10,
                message=lambda: tmux.capture())
    assert "<li>" not in tmux.capture() and "<h2>" not in tmux.capture()

    # and nothing went wrong in the bots' life meanwhile (answers, typing, talk)
    assert (state / "bots.log").read_text() == ""

    tmux.type_line("/quit")
    assert tmux.wait_for_exit(timeout=20) == 0
    await until(lambda: not alive(server_pid) and not alive(bots_pid), timeout=10,
                message="demo server and bots stopped")


def test_the_lounge_talk_varies_and_keeps_its_scripted_moments():
    """demo/lounge.py: seeded, so the bots say what this reads; an hour of it
    (≈500 lines) repeats no line within 30 and holds every scripted moment."""
    hour = list(itertools.islice(talk(12), 500))
    assert hour == list(itertools.islice(talk(12), 500))
    texts = [said.text.lower() for said in hour]
    assert len(set(texts)) > 250
    assert all(texts[i] not in texts[max(0, i - 30):i] for i in range(len(texts)))
    assert all(moment in hour for moment in MOMENTS)
    assert {said.nick for said in hour} == {"bob", "carol"}
