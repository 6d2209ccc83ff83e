"""A bare slixmpp client in its own process, driven by JSON lines on stdin.

It is both the FLOOR (a receiver with no UI: what the stack costs without
Parlons) and the BOT (the sender of a flood).  Each runs in a process of its
own, so neither steals the event loop, the GIL or a core from the other, nor
from the process that measures.

Events go to stdout as JSON lines; times are ``time.monotonic()``, which on
Linux is one clock for every process of the machine, so the orchestrator can
subtract a time taken here from one taken there.

    python -m bench.e2e.agent --jid J --password P --port N --ca FILE

Commands (one JSON object a line): ``open`` (create and unlock a room),
``join``, ``expect`` (report when a message with this body arrives),
``flood``, ``send``, ``stats``, ``quit``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from slixmpp import JID, ClientXMPP
from slixmpp.types import MessageTypes

from bench.e2e.actor_io import commands, emit
from bench.e2e.metrics import proc_stats

PLUGINS = ("xep_0030", "xep_0045", "xep_0198", "xep_0199")
CHUNK = 100  # messages handed to slixmpp between two yields to the loop


class LoopLag:
    """A ticker every 5 ms on the agent's loop: how late each tick ran is how
    long the loop was busy (a key would have waited that long in a client
    with a UI); ``stop`` → the longest stall, seconds."""

    TICK = 0.005

    def __init__(self) -> None:
        self.longest = 0.0
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self.TICK)
            self.longest = max(self.longest, time.monotonic() - before - self.TICK)

    def stop(self) -> float:
        self._task.cancel()
        return self.longest


class Agent:
    def __init__(self, args: argparse.Namespace) -> None:
        self.xmpp = xmpp = ClientXMPP(args.jid, args.password)
        xmpp.ca_certs = args.ca
        xmpp.enable_direct_tls = False
        xmpp.enable_plaintext = False
        for plugin in PLUGINS:
            xmpp.register_plugin(plugin)
        self.args = args
        self.received = 0
        self.expected: str | None = None
        self.lag: LoopLag | None = None
        xmpp.add_event_handler("session_start", self._session_start)
        xmpp.add_event_handler("message", self._message)
        xmpp.add_event_handler("failed_all_auth", lambda _e: emit("error", reason="auth"))
        xmpp.add_event_handler("connection_failed", lambda e: emit("error", reason=str(e)))

    async def _session_start(self, _event) -> None:
        roster = await self.xmpp.get_roster()
        self.xmpp.send_presence()
        # one round trip: the presence is processed, live messages come from now on
        await self.xmpp.plugin["xep_0199"].ping(timeout=10)
        emit("online", contacts=len(roster["roster"]["items"]) if roster else 0)

    def _message(self, msg) -> None:
        self.received += 1
        if self.expected is not None and msg["body"] == self.expected:
            self.expected = None
            longest = self.lag.stop() if self.lag is not None else None
            emit("got", count=self.received, stall_max=longest, **proc_stats())

    async def command(self, cmd: dict[str, Any]) -> None:
        op = cmd["op"]
        muc = self.xmpp.plugin["xep_0045"]
        if op == "open":
            room = JID(cmd["room"])
            presence, *_ = await muc.join_muc_wait(room, cmd["nick"], maxstanzas=0, timeout=20)
            if 201 in presence["muc"]["status_codes"]:
                form = await muc.get_room_config(room)
                form["type"] = "submit"
                if not cmd.get("archive", True):
                    # Prosody 0.12's file archive reloads the whole list per message
                    # past its 10,000-item quota: a 100k flood would time Prosody
                    form.set_values({"muc#roomconfig_enablearchiving": "0"})
                await muc.set_room_config(room, form)
            emit("ok", op=op)
        elif op == "join":
            # the join is done when the subject came: every occupant's presence, then
            # our own, then the subject (XEP-0045 7.2); t_first: the join was sent
            lag = LoopLag()
            first = time.monotonic()
            try:
                _own, _subject, occupants, _history = await muc.join_muc_wait(
                    JID(cmd["room"]), cmd["nick"], maxstanzas=0, timeout=cmd.get("timeout", 20))
            finally:
                longest = lag.stop()
            emit("ok", op=op, t_first=first, occupants=len(occupants), stall_max=longest, **proc_stats())
        elif op == "expect":
            self.received = 0
            self.expected = cmd["body"]
            self.lag = LoopLag()  # until the expected message: the flood's stalls
            emit("ok", op=op, **proc_stats())
        elif op == "send":
            self.xmpp.make_message(mto=cmd["to"], mbody=cmd["body"], mtype=cmd.get("type", "chat")).send()
            emit("ok", op=op)
        elif op == "flood":
            await self._flood(cmd["to"], cmd.get("type", "chat"), int(cmd["count"]), cmd.get("prefix", "flood"))
        elif op == "stats":
            emit("stats", **proc_stats())
        elif op == "quit":
            self.xmpp.disconnect(wait=1)
            await asyncio.sleep(0.2)
            emit("bye")
            raise SystemExit(0)
        else:
            emit("error", reason=f"unknown op {op!r}")

    async def _flood(self, to: str, mtype: MessageTypes, count: int, prefix: str) -> None:
        first = time.monotonic()
        sent = 0
        while sent < count:
            for _ in range(min(CHUNK, count - sent)):
                self.xmpp.make_message(mto=to, mbody=f"{prefix} {sent}", mtype=mtype).send()
                sent += 1
            await asyncio.sleep(0)
        while not self.xmpp.waiting_queue.empty():  # written to the socket, not only queued
            await asyncio.sleep(0.005)
        emit("flooded", t_first=first, sent=sent)


async def main(args: argparse.Namespace) -> None:
    queue = commands()
    agent = Agent(args)
    agent.xmpp.connect(host=args.host, port=args.port)
    while True:
        cmd = await queue.get()
        try:
            await agent.command(cmd)
        except SystemExit:
            return
        except Exception as exc:  # reported, the orchestrator decides
            emit("error", reason=repr(exc))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.e2e.agent")
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
