"""Back after an absence (issue 14): ``--messages`` 1:1 messages are only in
our archive (a phone of the same account was online and got them: nothing
went to offline storage); Parlons, headless with its history, logs in and
reads them.  Printed: log-in → online, → the first missed message in its
window, → all of them; a line typed as soon as online → in its window, →
the server's ack of it; how much the process's peak RSS grew meanwhile
(the peak reset first: /proc/self/clear_refs); and the floor: a bare
slixmpp client reading the same archive, page by page, keeping nothing.
With ``--rooms K``: first, an account back in K rooms where ``--per-room``
lines were said meanwhile, rejoining all at once and typing a line: online
→ the first missed line shown (``first_line_s``), → the first room caught
up (its newest line and the oldest one a catch-up fetches both shown), →
all of them; the typed line → in its window.
With ``--pgp N``: N of the missed messages are OpenPGP (XEP-0027) ones
from a contact, decrypted by gpg (an unprotected ed25519/cv25519 key).

    PYTHONPATH=$PWD .venv/bin/python bench/bench_catch_up.py [--messages 3000] [--runs 2] [--rooms 5 --per-room 400] [--pgp 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from slixmpp import ClientXMPP

from bench.e2e.actors import AgentProcess, Server, server_with_bot
from tests.harness.client import headless_client
from tests.harness.wait import until
from tui.core.model import Delivery
from tui.xmpp.conversation import archive as archive_reader
from tui.xmpp.conversation.history import MAM_PAGE
from tui.xmpp.muc.archive import MAX_CATCH_UP


async def bare_client(server: Server, jid: str, password: str) -> ClientXMPP:
    xmpp = ClientXMPP(jid, password)
    xmpp.ca_certs = server.prosody.ca_file
    xmpp.enable_direct_tls = False
    for plugin in ("xep_0030", "xep_0199", "xep_0313", "xep_0059", "xep_0297"):
        xmpp.register_plugin(plugin)
    online = asyncio.Event()

    async def started(_event) -> None:
        xmpp.send_presence()
        await xmpp.plugin["xep_0199"].ping(timeout=10)
        online.set()

    xmpp.add_event_handler("session_start", started)
    xmpp.connect(host=server.prosody.host, port=server.prosody.c2s_port)
    await asyncio.wait_for(online.wait(), 30)
    return xmpp


async def with_history(server: Server, bot: AgentProcess, bot_jid: str, data_dir: Path) -> tuple[str, str]:
    """A new account whose history (in ``data_dir``) holds the bot's "hi",
    caught up: the anchor the next log-in reads the archive from."""
    jid, password = server.account("parlons")
    async with headless_client(server.prosody, jid, password, data_dir) as client:
        bot.do("send", to=jid, body="hi")
        await until(lambda: client.account.chat.find_window(bot_jid) is not None, timeout=30)
        await until(lambda: client.account.chat.archive.caught_up and client.account.serial.idle(), timeout=30)
    return jid, password


async def phone_of(server: Server, jid: str, password: str, counted) -> tuple[ClientXMPP, list[int]]:
    """The account's phone online (what is sent to it goes there, not to
    offline storage), counting the messages ``counted`` says yes to."""
    phone = await bare_client(server, jid, password)
    got = [0]
    phone.add_event_handler("message", lambda m: counted(m) and got.__setitem__(0, got[0] + 1))
    return phone, got


async def away(phone: ClientXMPP, got: list[int], count: int) -> None:
    """Until the phone got ``count``; then it goes too."""
    await until(lambda: got[0] >= count, timeout=300, message=lambda: f"the phone has {got[0]}")
    await phone.disconnect()
    await asyncio.sleep(1.1)  # the archive's stamps (whole seconds) older than what follows


async def absence(server: Server, bot: AgentProcess, bot_jid: str, count: int, data_dir: Path) -> tuple[str, str]:
    """An account whose history holds the bot's "hi", then ``count``
    messages its phone got meanwhile."""
    jid, password = await with_history(server, bot, bot_jid, data_dir)
    phone, got = await phone_of(server, jid, password, lambda m: m["body"].startswith("flood"))
    bot.send("flood", to=jid, type="chat", count=count)
    bot.wait("flooded", timeout=300)
    await away(phone, got, count)
    return jid, password


async def encrypted_absence(server: Server, bot: AgentProcess, bot_jid: str, count: int, data_dir: Path,
                            mine, his) -> tuple[str, str, str]:
    """An account whose history holds the bot's "hi", then ``count``
    OpenPGP messages from a contact (bob) its phone got meanwhile."""
    jid, password = await with_history(server, bot, bot_jid, data_dir)
    bob_jid, bob_password = server.account("bob")
    bob = await bare_client(server, bob_jid, bob_password)
    phone, got = await phone_of(server, jid, password, lambda m: True)
    for n in range(count):
        his.send(bob, jid, f"secret {n}", mine.fingerprint, his.fingerprint)
    await away(phone, got, count)
    await bob.disconnect()
    return jid, password, bob_jid


async def parlons_encrypted(server: Server, jid: str, password: str, bot_jid: str, bob_jid: str, count: int,
                            data_dir: Path, mine) -> dict:
    """Log-in → the first and the last of bob's messages shown, decrypted; a
    line typed as soon as the first shows (the reading under way) → in its window."""
    start = time.monotonic()
    async with headless_client(server.prosody, jid, password, data_dir,
                               encryption={"pgp": {"gnupg_home": mine.home}}) as client:
        online = time.monotonic()
        chat = client.account.chat

        def shown() -> int:
            window = chat.find_window(bob_jid)
            return 0 if window is None else sum(1 for line in window.lines if line.body.startswith("secret"))
        await until(lambda: shown() > 0, timeout=600, interval=0.005)
        first = time.monotonic()
        await chat.send(bot_jid, "back")  # returns once the line is in its window
        typed_shown = time.monotonic() - first
        await until(lambda: shown() >= count, timeout=600, interval=0.02)
        done = time.monotonic()
        return {"online_s": round(online - start, 2), "first_shown_s": round(first - online, 2),
                "all_shown_s": round(done - online, 2), "typed_line_shown_s": round(typed_shown, 3)}


async def floor(server: Server, jid: str, password: str) -> dict:
    xmpp = await bare_client(server, jid, password)
    start = time.monotonic()
    results = 0
    pages = archive_reader.forward(xmpp, archive_reader.ArchiveQuery(start=None), page=MAM_PAGE)
    async for page in pages:
        results += len(page)
    took = time.monotonic() - start
    await xmpp.disconnect()
    return {"read_s": round(took, 2), "results": results}


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


async def parlons(server: Server, jid: str, password: str, bot_jid: str, count: int, data_dir: Path) -> dict:
    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS (VmHWM) starts again from now
    rss_before = rss_kib("VmRSS")
    start = time.monotonic()
    async with headless_client(server.prosody, jid, password, data_dir) as client:
        online = time.monotonic()
        chat = client.account.chat
        typed = time.monotonic()
        line = await chat.send(bot_jid, "back")  # returns once the line is in its window
        typed_shown = time.monotonic() - typed
        first = [0.0]

        def shown() -> int:
            window = chat.find_window(bot_jid)
            n = 0 if window is None else sum(1 for line in window.lines if line.body.startswith("flood"))
            if n and not first[0]:
                first[0] = time.monotonic()
            return n

        acked = [0.0]

        def sent() -> bool:
            if line.delivery is not Delivery.PENDING and not acked[0]:
                acked[0] = time.monotonic()
            return bool(acked[0])
        await until(lambda: (shown() >= count) & sent(), timeout=600, interval=0.02)
        done = time.monotonic()
        peak = rss_kib("VmHWM") - rss_before
        return {"online_s": round(online - start, 2), "first_shown_s": round(first[0] - online, 2),
                "all_shown_s": round(done - online, 2), "typed_line_shown_s": round(typed_shown, 3),
                "typed_line_acked_s": round(acked[0] - typed, 3),
                "peak_rss_growth_MiB": round(peak / 1024, 1)}


async def rooms_away(server: Server, bot: AgentProcess, count: int, per_room: int, data_dir: Path) -> tuple:
    """An account that was in ``count`` rooms (its history holds the bot's
    "hi" in each) while the bot said ``per_room`` lines in each."""
    from tests.harness.rooms import joined

    jid, password = server.account("parlons")
    rooms = [server.room("away") for _ in range(count)]
    for room in rooms:
        bot.do("open", room=room, nick="bot")
    async with headless_client(server.prosody, jid, password, data_dir) as client:
        windows = [(await joined(client, room))[0] for room in rooms]
        for room in rooms:
            bot.do("send", to=room, body="hi", type="groupchat")
        await until(lambda: all(any(line.body == "hi" for line in w.lines) for w in windows), timeout=30)
        await until(lambda: client.account.serial.idle(), timeout=30)
    for room in rooms:
        # the room's echo of the last line: the room has it all, archived (Prosody
        # takes seconds for thousands; rejoining before would read some live)
        bot.do("expect", body=f"missed {per_room - 1}")
        bot.send("flood", to=room, type="groupchat", count=per_room, prefix="missed")
        bot.wait("flooded", timeout=300)
        bot.wait("got", timeout=300)
    await asyncio.sleep(1.1)  # the archive's stamps (whole seconds) older than what follows
    return jid, password, rooms


async def parlons_rooms(server: Server, jid: str, password: str, bot_jid: str, rooms: list[str],
                        per_room: int, data_dir: Path) -> dict:
    start = time.monotonic()
    async with headless_client(server.prosody, jid, password, data_dir) as client:
        online = time.monotonic()
        muc = client.account.muc
        await asyncio.gather(*(muc.join(room) for room in rooms))  # (their archives being read)
        typed = time.monotonic()
        line = await client.account.chat.send(bot_jid, "back")
        typed_shown = time.monotonic() - typed
        last = f"missed {per_room - 1}"
        # the oldest line a catch-up fetches (more missed than it takes: read backwards, shown newest first)
        oldest = f"missed {max(0, per_room - MAX_CATCH_UP)}"
        done: dict[str, float] = {}
        begun: dict[str, float] = {}  # the room's first missed line shown

        def caught_up() -> bool:
            for room in rooms:
                window = muc.find_window(room)
                if window is None:
                    continue
                if room not in begun and any(l.body.startswith("missed ") for l in window.lines):
                    begun[room] = time.monotonic()
                if room not in done and {last, oldest} <= {l.body for l in window.lines}:
                    done[room] = time.monotonic()
            return len(done) == len(rooms) and line.delivery is not Delivery.PENDING
        await until(caught_up, timeout=600, interval=0.02)
        times = sorted(done[room] - online for room in rooms)
        firsts = sorted(begun[room] - online for room in rooms)
        return {"online_s": round(online - start, 2), "first_line_s": round(firsts[0], 2),
                "every_room_begun_s": round(firsts[-1], 2), "first_room_s": round(times[0], 2),
                "all_rooms_s": round(times[-1], 2), "typed_line_shown_s": round(typed_shown, 3)}


async def main(args: argparse.Namespace) -> None:
    with server_with_bot("bench-catch-up-") as (base, server, bot):
        for run in range(args.runs if args.rooms else 0):
            data_dir = base / f"rooms{run}"
            jid, password, rooms = await rooms_away(server, bot, args.rooms, args.per_room, data_dir)
            got = await parlons_rooms(server, jid, password, bot.jid, rooms, args.per_room, data_dir)
            print(f"run {run} Parlons, {args.rooms} rooms × {args.per_room}: {got}", flush=True)
        for run in range(args.runs if args.messages else 0):
            data_dir = base / f"run{run}"
            jid, password = await absence(server, bot, bot.jid, args.messages, data_dir)
            print(f"run {run} floor:   {await floor(server, jid, password)}", flush=True)
            got = await parlons(server, jid, password, bot.jid, args.messages, data_dir)
            print(f"run {run} Parlons: {got}", flush=True)
        if args.pgp:
            from tests.harness.pgp_keys import alice_and_bob

            with alice_and_bob() as (mine, his):
                for run in range(args.runs):
                    data_dir = base / f"pgp{run}"
                    jid, password, bob_jid = await encrypted_absence(server, bot, bot.jid, args.pgp, data_dir,
                                                                     mine, his)
                    got = await parlons_encrypted(server, jid, password, bot.jid, bob_jid, args.pgp, data_dir, mine)
                    print(f"run {run} Parlons, {args.pgp} OpenPGP messages: {got}", flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_catch_up")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--rooms", type=int, default=5, help="rooms rejoined after the absence (0: none)")
    parser.add_argument("--per-room", type=int, default=400, help="lines said in each meanwhile")
    parser.add_argument("--pgp", type=int, default=0, help="OpenPGP messages missed from a contact (0: none)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
