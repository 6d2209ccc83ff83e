"""W7's room of N occupants (bench/e2e: crowd.py and the Prosody module
actors.CROWD_SINK_LUA) on a real Prosody: a client that joins sees every
occupant, while the crowd itself is told of nobody else (what keeps filling
the room linear; the module patches Prosody 0.12's MUC, so this pins it)."""

from __future__ import annotations

from pathlib import Path

from bench.e2e.actors import Server
from bench.e2e.workloads import crowded_room, floor_agent, online_bot

OCCUPANTS = 60


def test_a_joiner_sees_the_whole_crowd_and_the_crowd_hears_no_one(tmp_path: Path):
    server = Server(tmp_path, component=True)
    try:
        with online_bot(server, tmp_path) as (bot, _jid), \
                crowded_room(server, tmp_path, bot, OCCUPANTS, timeout=60) as (room, occupied), \
                floor_agent(server, tmp_path) as (floor, _online):
            joined = floor.do("join", room=room, nick="floor", timeout=60)
    finally:
        server.close()
    # the crowd, the bot that opened the room, and the joiner itself
    assert joined["occupants"] == OCCUPANTS + 2
    # per occupant: its join's self-presence and the room's subject, nothing of
    # the others (told of each other, 60 occupants would read ≈1,800 presences)
    assert occupied["received"] < OCCUPANTS * 1000
