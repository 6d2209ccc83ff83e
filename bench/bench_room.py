"""Benchmark: a room with 1,000 occupants joins without freezing the UI.

    python bench/bench_room.py [--occupants N] [--chunk C] [--join-lines] [--contacts K]

Runs the real ParlonsApp headless (``App.run_test``, 120x40) with one account
that does not connect (no server needed) and a room window showing a
:class:`tui.core.room.Room`.  The presence storm of a join is replayed the
way the MUC service applies it: per presence one ``Room.upsert`` and one
``RoomChanged`` emit; ``C`` presences per turn of the event loop (slixmpp
dispatches every stanza of one network read in one turn: ~100 presences of
~400 bytes fit a 64 KiB read).  Every 97th nick is a homoglyph copy of
another (confusable flags are computed in the same syncs); the account's
roster holds K contacts (their names are checked too).  ``--join-lines``
also adds a "joined" event line per presence (the worst case: the service
hides them above a threshold).

While the storm runs, keys are typed into the input line (sent through the
headless driver like a terminal's) and the time of each from the driver to
the character in the input line is measured; the same on the quiet app
before the storm for comparison.  ``--spread S`` paces the presences over S
seconds (a slow link) so that frames and keys interleave with them.

Reported: time from the first presence to the nick list complete (the
sync that rebuilt it at the room's final version), the app's model→screen
sync times, the longest stall of the event loop (a 5 ms ticker's lateness:
no frame can be drawn during a stall), key round trips, and rebuilds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from textual import events

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screens.app import ParlonsApp  # noqa: E402
from screens.textual_private import send_as_terminal  # noqa: E402
from tui.config import AccountConfig, Config  # noqa: E402
from tui.core.events import RoomChanged  # noqa: E402
from tui.core.model import Line, LineKind  # noqa: E402
from tui.core.room import Occupant, Room  # noqa: E402
from tui.core.windows import WindowKind  # noqa: E402

ACCOUNT = "alice@localhost"
ROOM = "big@conference.localhost"
TICK = 0.005


def occupant(n: int) -> Occupant:
    nick = f"user{n:04d}"
    if n % 97 == 96:  # a homoglyph copy of an earlier nick (Cyrillic "е")
        nick = f"us\u0435r{n - 1:04d}"
    role = "moderator" if n % 50 == 0 else "visitor" if n % 20 == 0 else "participant"
    show = "away" if n % 7 == 0 else "available"
    return Occupant(nick, role=role, show=show)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def until(predicate, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.005)


async def type_keys(app, line, count: int) -> list[float]:
    """Type ``count`` keys as the terminal driver would deliver them; each
    one's time from the driver to the character in the input line (polled
    every turn of the loop: Pilot's press also waits for idle, ≈85 ms)."""
    times = []
    for _ in range(count):
        expected = line.value + "x"
        key = events.Key("x", "x")
        key.set_sender(app)
        started = time.perf_counter()
        send_as_terminal(app, key)
        while line.value != expected:
            if time.perf_counter() - started > 10:
                raise TimeoutError("the key never arrived")
            await asyncio.sleep(0)
        times.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)  # a fast typist: 100 keys/s at most
    return times


async def run(occupants: int, chunk: int, join_lines: bool, contacts: int, spread: float) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="parlons-bench-room-"))
    config = Config([AccountConfig(jid=ACCOUNT, password="unused", autoconnect=False)])
    app = ParlonsApp(config, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.client.accounts.get(ACCOUNT) is not None and app.main is not None)
        account, main = app.client.accounts.get(ACCOUNT), app.main
        assert account is not None and main is not None  # waited for just above
        roster = account.roster.model
        for n in range(contacts):
            roster.set_item(f"contact{n}@example.org", name=f"Contact {n}", subscription="both")
        room = Room(ROOM, nick="alice", joined=True)
        # a room of the bench's own, with no MUC service behind it
        app.client.room_of = lambda window: room if window.target == ROOM else None  # type: ignore[method-assign]
        window = app.client.windows.open("big", WindowKind.ROOM, ACCOUNT, ROOM, focus=True)
        pane = main.nick_list
        await until(lambda: pane.display and pane.room is room)
        await pilot.pause()
        bus, windows = app.client.bus, app.client.windows

        # -- instruments ------------------------------------------------------
        syncs: list[float] = []
        state: dict[str, Any] = {"storm_done": False, "built": None, "built_at": None}
        original_sync = app._sync

        def timed_sync() -> None:
            started = time.perf_counter()
            original_sync()
            ended = time.perf_counter()
            syncs.append(ended - started)
            if pane._built != state["built"]:  # this sync rebuilt the nick list
                state["built"], state["built_at"] = pane._built, ended

        app._sync = timed_sync  # type: ignore[method-assign]  # the app schedules self._sync: the timed one runs
        stalls: list[float] = []
        ticking = True

        async def ticker() -> None:
            while ticking:
                before = time.perf_counter()
                await asyncio.sleep(TICK)
                stalls.append(time.perf_counter() - before - TICK)

        pause = spread / max(1, occupants // chunk)

        async def storm() -> None:
            for n in range(occupants):
                person = occupant(n)
                room.upsert(person)
                bus.emit(RoomChanged(ACCOUNT, ROOM))
                if join_lines:
                    windows.add_line(window, Line(f"{person.nick} has joined", LineKind.EVENT))
                if (n + 1) % chunk == 0:
                    await asyncio.sleep(pause)
            state["storm_done"] = True
            state["storm_end"] = time.perf_counter()

        # -- keys on a quiet app first: Pilot's own round trip (it waits for idle)
        line = main.input_line
        quiet_keys = await type_keys(app, line, 20)
        line.value = ""
        rebuilds_before = pane.rebuilds
        ticker_task = asyncio.create_task(ticker())
        await asyncio.sleep(TICK * 2)
        first_presence = time.perf_counter()
        storm_task = asyncio.create_task(storm())

        # -- keys while the storm runs ------------------------------------------
        keys: list[float] = []
        while not storm_task.done():
            keys += await type_keys(app, line, 1)
        # complete: the rebuild at the room's final version (timed by the sync that did it)
        await until(lambda: state["storm_done"] and state["built"] == (id(room), room.version))
        ticking = False
        await ticker_task
        flagged = sum(1 for o in room.occupants.values() if o.confusable_with)
        return {
            "occupants": len(room.occupants),
            "rows": len(pane.rows),
            "storm": state["storm_end"] - first_presence,
            "quiet_keys": quiet_keys,
            "complete": state["built_at"] - first_presence,
            "syncs": syncs,
            "rebuilds": pane.rebuilds - rebuilds_before,
            "stall_max": max(stalls),
            "stall_p99": sorted(stalls)[int(len(stalls) * 0.99) - 1],
            "keys": keys,
            "flagged": flagged,
        }


async def crowd(host: str, port: int, ca_file: str, room_jid: str, peers: int) -> None:
    """The occupants, in their own process (``--crowd``): connect, join, say
    "ready", stay until stdin closes."""
    from slixmpp import JID

    from tests.harness.peer import Peer
    from tui.xmpp.muc.disco import accept_default_configuration

    people = [Peer(f"occupant{n}@localhost", "pw", ca_file=ca_file, host=host, port=port,
                   plugins=("xep_0030", "xep_0045")) for n in range(peers)]
    for batch in range(0, peers, 10):
        await asyncio.gather(*(p.start(timeout=60) for p in people[batch:batch + 10]))
    owner = people[0]
    await owner.xmpp.plugin["xep_0045"].join_muc_wait(JID(room_jid), "occupant0", timeout=10, maxstanzas=0)
    await accept_default_configuration(owner.xmpp, room_jid)
    for batch in range(1, peers, 10):
        await asyncio.gather(*(p.xmpp.plugin["xep_0045"].join_muc_wait(
            JID(room_jid), f"occupant{n}", timeout=30, maxstanzas=0)
            for n, p in enumerate(people[batch:batch + 10], start=batch)))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for p in people:
        await p.stop()


async def run_real(peers: int) -> dict:
    """Smoke test against a real Prosody: ``peers`` slixmpp occupants (in a
    child process: 2 cores cannot run 1,000 real clients, and in-process
    peers would share the app's loop) are in the room, then the app joins
    it with /join."""
    from tests.harness.prosody import ProsodyServer

    base = Path(tempfile.mkdtemp(prefix="parlons-bench-room-prosody-"))
    with ProsodyServer(base / "prosody") as server:
        room_jid = f"big@{server.muc_domain}"
        for n in range(peers):
            server.create_account(f"occupant{n}", "pw")
        started = time.perf_counter()
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--crowd", str(peers), "--server",
            f"{server.host}:{server.c2s_port}:{server.ca_file}:{room_jid}",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert child.stdin is not None and child.stdout is not None  # both PIPE
        ready = await asyncio.wait_for(child.stdout.readline(), 300)
        if ready.strip() != b"ready":
            raise RuntimeError("the crowd did not get ready")
        joined_all = time.perf_counter() - started
        connected = 0.0
        alice = server.create_account("alice", "pw")
        config = Config([AccountConfig(jid=alice, password="pw", host=server.host, port=server.c2s_port,
                                       ca_file=Path(server.ca_file), resource="bench")])
        app = ParlonsApp(config, data_dir=base / "data")
        async with app.run_test(size=(120, 40)):
            await until(lambda: (a := app.client.accounts.get(alice)) is not None
                        and a.session.announced, timeout=30)
            main = app.main
            assert main is not None  # the app is running
            line = main.input_line
            quiet_keys = await type_keys(app, line, 10)
            line.value = f"/join {room_jid}"
            pressed = time.perf_counter()
            profile = None
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                profile = cProfile.Profile()
                profile.enable()
            enter = events.Key("enter", "\r")
            enter.set_sender(app)
            send_as_terminal(app, enter)
            await until(lambda: line.value == "", timeout=10)
            window = None
            keys: list[float] = []
            pane = main.nick_list
            while True:
                window = app.client.windows.find(alice, room_jid)
                room = app.client.room_of(window) if window is not None else None
                if room is not None and len(room.occupants) == peers + 1 and pane.display \
                        and pane._built == (id(room), room.version):
                    break
                if time.perf_counter() - pressed > 60:
                    raise TimeoutError("the nick list never completed")
                keys += await type_keys(app, line, 1)
            complete = time.perf_counter() - pressed
            if profile is not None:
                import pstats
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        child.stdin.close()
        await child.wait()
    return {"peers": peers, "connected": connected, "joined_all": joined_all, "complete": complete,
            "keys": keys, "quiet_keys": quiet_keys}


def report_real(result: dict) -> None:
    keys, quiet = result["keys"], result["quiet_keys"]
    print(f"real Prosody, {result['peers']} slixmpp occupants (another process)")
    print(f"  occupants connected and joined in {ms(result['joined_all'])}")
    print(f"  /join ⏎ → nick list complete ({result['peers'] + 1} occupants) {ms(result['complete'])}")
    print(f"  key round trips meanwhile: {len(keys)}, median {ms(statistics.median(keys))}, "
          f"max {ms(max(keys))} (quiet app: median {ms(statistics.median(quiet))})")


def report(result: dict, args) -> None:
    syncs, keys = result["syncs"], result["keys"]
    print(f"{result['occupants']} occupants, {args.chunk} presences per loop turn, spread {args.spread} s, "
          f"{args.contacts} contacts, join lines: {args.join_lines}")
    print(f"  storm applied (while typing)        {ms(result['storm'])}")
    print(f"  first presence → nick list complete {ms(result['complete'])}")
    print(f"  nick list rebuilds                 {result['rebuilds']}")
    print(f"  syncs (model→screen) during storm  {len(syncs)}: median {ms(statistics.median(syncs))}, "
          f"max {ms(max(syncs))}")
    print(f"  event loop stall: p99 {ms(result['stall_p99'])}, max {ms(result['stall_max'])}")
    quiet = result["quiet_keys"]
    print(f"  key round trips during the storm: {len(keys)}, median {ms(statistics.median(keys))}, "
          f"max {ms(max(keys))} (quiet app: median {ms(statistics.median(quiet))}, max {ms(max(quiet))})")
    print(f"  confusable nicks flagged           {result['flagged']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--occupants", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--join-lines", action="store_true")
    parser.add_argument("--spread", type=float, default=0.0,
                        help="seconds the presences take to arrive (0: as fast as the loop goes)")
    parser.add_argument("--prosody", type=int, metavar="PEERS", default=0,
                        help="instead: a real Prosody with PEERS slixmpp occupants, the app joins")
    parser.add_argument("--crowd", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--server", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.crowd:
        host, port, ca_file, room_jid = args.server.split(":", 3)
        asyncio.run(crowd(host, int(port), ca_file, room_jid, args.crowd))
        return
    if args.prosody:
        report_real(asyncio.run(run_real(args.prosody)))
        return
    result = asyncio.run(run(args.occupants, args.chunk, args.join_lines, args.contacts, args.spread))
    report(result, args)


if __name__ == "__main__":
    main()
