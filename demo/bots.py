"""Demo peers: slixmpp bots that make the demo world feel inhabited.

bob answers 1:1 messages; bob and carol sit in the demo room and chat at a
human pace. Run by ``python -m demo`` as a child process; it dies with it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import random

import slixmpp

ROOM_LINES = [
    ("bob", "morning all"),
    ("carol", "hey bob, did the release go out?"),
    ("bob", "yes, tagged an hour ago"),
    ("carol", "nice. anyone tried the new key map?"),
    ("bob", "Alt+digit works over ssh, finally"),
    ("carol", "and Ctrl+P switches windows like irssi"),
]


class Bot(slixmpp.ClientXMPP):
    def __init__(self, jid: str, password: str, ca_file: str, room: str, nick: str, answer: bool):
        super().__init__(jid, password)
        self.ssl_context.load_verify_locations(cafile=ca_file)
        self.enable_direct_tls = False
        self.room = room
        self.nick = nick
        self.answer = answer
        self.joined = asyncio.Event()
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0045")
        self.add_event_handler("session_start", self._start)
        self.add_event_handler("message", self._message)

    async def _start(self, _event) -> None:
        self.send_presence(pstatus=f"{self.nick} is around")
        await self.get_roster()
        muc = self.plugin["xep_0045"]
        try:
            presence = await muc.join_muc_wait(self.room, self.nick, maxchars=0, timeout=20)
            if 201 in presence["muc"]["status_codes"]:
                # A new room is locked until configured: accept the defaults.
                form = await muc.get_room_config(self.room)
                form["type"] = "submit"
                await muc.set_room_config(self.room, form)
        except Exception as exc:
            logging.warning("%s could not join %s: %s", self.nick, self.room, exc)
        self.joined.set()

    def _message(self, msg: slixmpp.Message) -> None:
        if not self.answer or msg["type"] not in ("chat", "normal") or not msg["body"]:
            return
        body = msg["body"].strip()
        reply = f"you said: {body}" if len(body) < 200 else f"that was {len(body)} characters, thanks"
        self.send_message(mto=msg["from"].bare, mbody=reply, mtype="chat")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--domain", default="localhost")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--room", required=True)
    args = parser.parse_args()

    bots = {
        nick: Bot(f"{nick}@{args.domain}/bot", args.password, args.ca, args.room, nick, answer=(nick == "bob"))
        for nick in ("bob", "carol")
    }
    for bot in bots.values():
        bot.connect(host=args.host, port=args.port)
    await asyncio.gather(*(bot.joined.wait() for bot in bots.values()))
    for nick, text in itertools.cycle(ROOM_LINES):
        await asyncio.sleep(random.uniform(4, 9))  # a human pace, not a test
        bots[nick].send_message(mto=args.room, mbody=text, mtype="groupchat")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
