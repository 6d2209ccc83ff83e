"""Receive CPU, headless (issue 14): a flood in → the last line in its window.

No UI: the headless ``Client`` (what tests drive) with its history store,
receiving ``--messages`` room (W2) or 1:1 (W3) messages from a bare slixmpp
bot in a child process (bench/e2e/agent.py), through a Prosody of its own.
The same flood is also received by a bare slixmpp client in this process
(bench/e2e/agent.py's plugins: the floor).  What is measured is this
process's CPU (user+sys, all threads: the store's worker included) and the
main thread's, from the flood's first send to the last message handed over:

    PYTHONPATH=$PWD .venv/bin/python bench/bench_receive.py [--messages 5000] [--only room,chat]

Under a profiler: ``py-spy record -f raw -o out.txt -- python bench/bench_receive.py --only room --skip-floor``.
It also counts slixmpp's stanza handlers and how many each message is tried against.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from pathlib import Path

from slixmpp import JID, ClientXMPP

from bench.e2e.actors import AgentProcess, Server, server_with_bot
from bench.e2e.agent import PLUGINS as FLOOR_PLUGINS
from tests.harness.client import headless_client, window_text
from tests.harness.rooms import joined
from tests.harness.wait import until


def cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, time.thread_time()


async def wait_for(predicate, seconds: float = 120, what=lambda: "") -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"flood not received {what()}")
        await asyncio.sleep(0.01)


def handlers_of(xmpp) -> int:
    return len(xmpp._XMLStream__handlers)  # the stanza handlers a message is matched against


async def floor(server: Server, bot: AgentProcess, room: str | None, count: int) -> dict:
    jid, password = server.account("floor")
    xmpp = ClientXMPP(jid, password)
    xmpp.ca_certs = server.prosody.ca_file
    xmpp.enable_direct_tls = False
    for plugin in FLOOR_PLUGINS:
        xmpp.register_plugin(plugin)
    received = [0]
    xmpp.add_event_handler("message", lambda _m: None)
    xmpp.add_event_handler("groupchat_message", lambda _m: received.__setitem__(0, received[0] + 1))
    xmpp.add_event_handler("message", lambda m: m["type"] == "chat" and received.__setitem__(0, received[0] + 1))
    online = asyncio.Event()

    async def started(_event) -> None:
        await xmpp.get_roster()
        xmpp.send_presence()
        await xmpp.plugin["xep_0199"].ping(timeout=10)  # the presence is processed: live delivery
        online.set()

    xmpp.add_event_handler("session_start", started)
    xmpp.connect(host=server.prosody.host, port=server.prosody.c2s_port)
    await asyncio.wait_for(online.wait(), 30)
    if room:
        await xmpp.plugin["xep_0045"].join_muc_wait(JID(room), "floor", maxstanzas=0, timeout=20)
    target = room or jid
    before = cpu()
    bot.send("flood", to=target, type="groupchat" if room else "chat", count=count)
    await wait_for(lambda: received[0] >= count, what=lambda: received[0])
    after = cpu()
    result = {"cpu_s": after[0] - before[0], "main_s": after[1] - before[1], "handlers": handlers_of(xmpp)}
    await xmpp.disconnect()
    return result


async def parlons(server: Server, bot: AgentProcess, bot_jid: str, room: str | None, count: int,
                  data_dir: Path) -> dict:
    jid, password = server.account("parlons")
    async with headless_client(server.prosody, jid, password, data_dir) as client:
        account = client.account
        if room:
            window, _model = await joined(client, room)
        else:
            bot.do("send", to=jid, body="hi")
            await until(lambda: account.chat.find_window(bot_jid) is not None, timeout=30)
            window = account.chat.find_window(bot_jid)
        # (this run's lines are told apart by their prefix from anything a
        # first join shows of the room's archive)
        prefix = f"flood-{data_dir.name}"
        last = f"{prefix} {count - 1}"
        await until(lambda: account.serial.idle() and not account.muc.messages.reading, timeout=30)
        before = cpu()
        bot.send("flood", to=room or jid, type="groupchat" if room else "chat", count=count, prefix=prefix)
        await wait_for(lambda: bool(window.lines) and window.lines[-1].body == last)
        after = cpu()
        shown = {line.body for line in window.lines}
        missing = [i for i in range(count) if f"{prefix} {i}" not in shown]
        assert not missing, (len(missing), missing[:10], window_text(window)[-500:])
        return {"cpu_s": after[0] - before[0], "main_s": after[1] - before[1],
                "handlers": handlers_of(account.session.xmpp)}


async def main(args: argparse.Namespace) -> None:
    with server_with_bot("bench-receive-") as (base, server, bot):

        def fresh_room(kind: str) -> str | None:
            """A room of its own for each flood: Prosody 0.12's file archive
            reloads a room's whole list per message past 10,000 items, and a
            third flood into one room stalled there (bench/e2e does the same)."""
            if kind != "room":
                return None
            room = server.room()
            bot.do("open", room=room, nick="bot")
            return room

        for kind in args.only.split(","):
            for run in range(args.runs):
                if not args.skip_floor:
                    got = await floor(server, bot, fresh_room(kind), args.messages)
                    bot.wait("flooded", timeout=120)
                    print(f"{kind} floor   run {run}: {got}", flush=True)
                if args.skip_parlons:
                    continue
                got = await parlons(server, bot, bot.jid, fresh_room(kind), args.messages, base / f"{kind}{run}")
                bot.wait("flooded", timeout=120)
                print(f"{kind} parlons run {run}: {got}  load {Path('/proc/loadavg').read_text().split()[:3]}",
                      flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_receive")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--only", default="room,chat")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--skip-parlons", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
