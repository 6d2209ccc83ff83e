"""The workloads of issue 14, one function each: (server, run dir, args) → one
run's figures.  Keys of the dict a workload returns: ``floor_s`` / ``parlons_s``
(times), ``floor`` / ``parlons`` (process costs: metrics.delta), and workload-
specific lists (``keys_*``: echo latencies, seconds)."""

from __future__ import annotations

import operator
import re
import time
from pathlib import Path
from contextlib import contextmanager
from functools import partial
from typing import Any, Callable, Iterator

from bench.e2e.actors import (SIZE, AgentProcess, BenchError, Parlons, ScreenWatch, Server, closed_on_failure,
                              crowd_process, storm_process)
from bench.e2e.metrics import delta, proc_stats, server_share_from
from tests.harness.terminal import without_prompt

Result = dict[str, Any]

KEY_GAP = 0.040  # a person typing: 40 ms between keys
WORDS = ("hello", "parlons", "tomorrow", "okay", "lunch")
KEYS = "thequickbrownfoxjumpsoverthelazydog"
INPUT_ROW = (SIZE[1] - 1, SIZE[1] - 1)


def _last_body(count: int) -> str:
    return f"flood {count - 1}"


# -- building blocks -------------------------------------------------------

def online_parlons(server: Server, run_dir: Path, prefix: str = "alice") -> Parlons:
    jid, password = server.account(prefix)
    with closed_on_failure(Parlons(server, jid, password, run_dir / prefix)) as parlons:
        parlons.wait_for(f"{jid}: online", timeout=60)
    return parlons


def parlons_in_room(server: Server, bot: AgentProcess, run_dir: Path, *,
                    archive: bool = True) -> tuple[Parlons, str]:
    with closed_on_failure(online_parlons(server, run_dir)) as parlons:
        room = server.room("w")
        bot.do("open", room=room, nick="bot", archive=archive)
        parlons.type_line(f"/join {room}")
        parlons.wait_for(f"You are in {room}", timeout=30)
    return parlons, room


@contextmanager
def floor_agent(server: Server, run_dir: Path, contacts: list[str] | None = None,
                timeout: float = 60) -> Iterator[tuple[AgentProcess, dict[str, Any]]]:
    """The floor (a bare slixmpp agent) online, ``contacts`` in its roster, and
    its ``online`` event (time, roster size); stopped after."""
    jid, password = server.account("floor")
    if contacts:
        server.write_roster(jid, contacts)
    floor = AgentProcess(server, jid, password, run_dir / "floor.log")
    try:
        online = floor.wait("online", timeout=timeout)
        yield floor, online
    finally:
        floor.close()


@contextmanager
def storm_contacts(server: Server, run_dir: Path, count: int) -> Iterator[tuple[AgentProcess, list[str]]]:
    """bench/e2e/storm.py online on the component domain, and the JIDs of
    ``count`` of its contacts (W1's roster, W6's storm); stopped after."""
    from bench.e2e.storm import contact

    contacts = [contact(index, server.component_domain) for index in range(count)]
    storm = storm_process(server, run_dir / "storm.log")
    try:
        storm.wait("online")
        yield storm, contacts
    finally:
        storm.close()


def parlons_with_roster(server: Server, run_dir: Path, contacts: list[str]) -> Parlons:
    """Parlons launched on a fresh account whose roster holds ``contacts``."""
    jid, password = server.account("alice")
    server.write_roster(jid, contacts)
    return Parlons(server, jid, password, run_dir / "alice")


def floor_receive(server: Server, bot: AgentProcess, run_dir: Path, count: int, *, room: bool,
                  archive: bool = True) -> Result:
    """The floor: a bare slixmpp client receives the same flood."""
    with floor_agent(server, run_dir) as (floor, _online):
        target = floor.jid
        if room:
            target = server.room("f")
            bot.do("open", room=target, nick="bot", archive=archive)
            floor.do("join", room=target, nick="floor")
        before = floor.do("expect", body=_last_body(count))
        server_share = server_share_from(server.prosody.pid)
        bot.send("flood", to=target, type="groupchat" if room else "chat", count=count)
        flooded = bot.wait("flooded", timeout=max(300, count / 100))
        got = floor.wait("got", timeout=max(300, count / 100))
        floor_server = server_share()
        if got["count"] < count:
            raise BenchError(f"floor got {got['count']} of {count} messages")
        return {"floor_s": got["t"] - flooded["t_first"], "floor": delta(got, before),
                "floor_server": floor_server,
                "send_s": flooded["t"] - flooded["t_first"], "floor_stall_max": got["stall_max"]}


def parlons_receive(server: Server, parlons: Parlons, bot: AgentProcess, target: str, count: int, *, room: bool,
                    during: Callable[[ScreenWatch], Any] | None = None) -> Result:
    """Flood ``target`` and poll Parlons' screen for the last message;
    ``during`` runs meanwhile (echo probes, given the ScreenWatch that polls
    for that message) and returns its findings."""
    before = parlons.stats()
    server_share = server_share_from(server.prosody.pid)
    timeout = max(300, count / 100)
    if during is None:
        bot.send("flood", to=target, type="groupchat" if room else "chat", count=count)
        found = None
        seen = parlons.wait_for(_last_body(count), timeout=timeout)
        after = parlons.stats()
    else:
        with ScreenWatch(parlons, _last_body(count), at_seen=parlons.stats) as watch:
            bot.send("flood", to=target, type="groupchat" if room else "chat", count=count)
            found = during(watch)
            seen = watch.wait(timeout)
        assert watch.seen_stats is not None
        after = watch.seen_stats
    parlons_server = server_share()
    flooded = bot.wait("flooded", timeout=max(300, count / 100))
    time.sleep(1.0)  # what is written after the screen (a WAL checkpoint, a deferred batch)
    settled = delta(parlons.stats(), before)
    return {"parlons_s": seen - flooded["t_first"], "during": found,
            "parlons_server": parlons_server,
            "parlons": {**delta(after, before), "write_bytes_settled": settled["write_bytes"],
                        "cpu_settled": settled["cpu"]}}


# -- echo (W4) ---------------------------------------------------------------

def _input_text(parlons: Parlons) -> str:
    return without_prompt(parlons.input_row()).strip()


def _echo(parlons: Parlons, sent_at: float, expected: str, timeout: float = 5.0) -> float:
    """Seconds from ``sent_at`` until the input line holds ``expected``."""
    seen = parlons.output.first_seen(lambda: _input_text(parlons) == expected, sent_at + timeout)
    if seen is None:
        raise BenchError(f"input line shows {_input_text(parlons)!r}, not {expected!r}")
    return seen - sent_at


def _clear_input(parlons: Parlons) -> None:
    parlons.ctl.send_keys("C-u")
    _echo(parlons, time.monotonic(), "")


def type_keys(parlons: Parlons, keys: str, until: Callable[[], bool] | None = None) -> list[float]:
    """Each key 40 ms after the previous one (or once it showed, if later):
    the time from each key to the screen.  ``until``: no key after it is true."""
    latencies = []
    typed = ""
    for key in keys:
        if until is not None and until():
            break
        sent = parlons.ctl.send_text(key)
        typed += key
        latencies.append(_echo(parlons, sent, typed))
        rest = KEY_GAP - (time.monotonic() - sent)
        if rest > 0:
            time.sleep(rest)
    _clear_input(parlons)
    return latencies


def type_words(parlons: Parlons, words: tuple[str, ...] = WORDS) -> list[float]:
    """Each word in one terminal write: the time until all of it shows."""
    latencies = []
    for word in words:
        sent = parlons.ctl.send_text(word)
        latencies.append(_echo(parlons, sent, word))
        _clear_input(parlons)
        time.sleep(KEY_GAP)
    return latencies


def echo_probes(parlons: Parlons, watch: ScreenWatch) -> dict[str, list[float]]:
    """Keys and words typed in turns until ``watch`` saw its text: no key
    is typed after it (a key typed before and shown after counts)."""
    keys: list[float] = []
    words: list[float] = []
    while not watch.done:
        keys += type_keys(parlons, KEYS[:8], until=lambda: watch.done)
        if not watch.done:
            words += type_words(parlons, WORDS[:1])
    return {"keys": keys, "words": words}


# -- the workloads -----------------------------------------------------------

def warm_start_code(server: Server, run_dir: Path) -> None:
    """One untimed launch first, so that the start's code kept in the cache
    (tui/dataclass_code.py) is what this Parlons makes: a user's second
    launch and every one after it.  (The first launch after an install or
    an upgrade compiles it: ~0.05 s more.)"""
    jid, password = server.account("warm")
    parlons = Parlons(server, jid, password, run_dir / "warm")
    log = run_dir / "warm" / "state" / "parlons" / "parlons.log"
    try:
        parlons.wait_for(f"{jid}: online", timeout=60)
        deadline = time.monotonic() + 30
        while not re.search(r"at start-up: 0 of|dataclass code kept in", log.read_text() if log.exists() else ""):
            if time.monotonic() > deadline:
                raise BenchError("the warming launch did not keep its start's code")
            time.sleep(0.05)
    finally:
        parlons.close()


def w1_launch(server: Server, run_dir: Path, args) -> Result:
    """Launch → online with 1,000 contacts: time and peak RSS.  The contacts
    live on the component domain (bench/e2e/storm.py, which ignores probes),
    like contacts on other servers: local accounts that do not exist would
    answer each login probe with "unsubscribed", and Prosody would rewrite
    the whole roster file for each (seconds of Prosody at 1,000)."""
    warm_start_code(server, run_dir)
    with storm_contacts(server, run_dir, args.contacts) as (_storm, contacts):
        with floor_agent(server, run_dir, contacts) as (floor, online):
            if online["contacts"] != len(contacts):
                raise BenchError(f"floor roster has {online['contacts']} contacts")
            floor_s = online["t"] - floor.launched
            floor_stats = proc_stats(floor.proc.pid)
        parlons = parlons_with_roster(server, run_dir, contacts)
        try:
            seen = parlons.wait_for(f"{parlons.jid}: online", timeout=60)
            at_online = parlons.stats()
            time.sleep(2.0)  # the roster and presences settle
            settled = parlons.stats()
        finally:
            parlons.close()
    return {"floor_s": floor_s, "parlons_s": seen - parlons.launched,
            "floor": {**floor_stats, "rss_growth": None},
            "parlons": {**settled, "hwm_online": at_online["hwm"], "rss_growth": None}}


@contextmanager
def online_bot(server: Server, run_dir: Path, name: str = "bot") -> Iterator[tuple[AgentProcess, str]]:
    """The sending bot (a bare slixmpp agent) online, and its JID; stopped after."""
    jid, password = server.account(name)
    bot = AgentProcess(server, jid, password, run_dir / f"{name}.log")
    try:
        bot.wait("online")
        yield bot, jid
    finally:
        bot.close()


def w2_room_flood(server: Server, run_dir: Path, args) -> Result:
    with online_bot(server, run_dir) as (bot, jid):
        result = floor_receive(server, bot, run_dir, args.messages, room=True)
        parlons, room = parlons_in_room(server, bot, run_dir)
        try:
            result.update(parlons_receive(server, parlons, bot, room, args.messages, room=True))
        finally:
            parlons.close()
        return result


def w2_noise(server: Server, run_dir: Path, args) -> Result:
    """W2 with the floor in both places: the same bot floods two fresh rooms
    and the floor receives both, one after the other.  The second flood's
    figures fill Parlons' columns, so the report's ratios are what the host
    alone moves a W2 ratio by in this hour (no order bias: in 5 runs at
    2026-12-07 03:55 the second took 0.67-1.33x the first)."""
    with online_bot(server, run_dir) as (bot, _jid):
        first = floor_receive(server, bot, run_dir, args.messages, room=True)
        second = floor_receive(server, bot, run_dir, args.messages, room=True)
    return {**first, "parlons_s": second["floor_s"], "parlons": second["floor"],
            "parlons_server": second["floor_server"]}


def w3_chat_flood(server: Server, run_dir: Path, args) -> Result:
    # A bot each: Prosody archives what a bot sends in ITS archive too, and an
    # internal-storage archive gets slower as it fills (one bot flooding the
    # floor, then Parlons: 2.51 s, then 3.10 s for the same floor client;
    # past 10,000 items, 51 s) — the second receiver would pay for the first.
    with online_bot(server, run_dir, "floorbot") as (bot, _jid):
        result = floor_receive(server, bot, run_dir, args.messages, room=False)
    with online_bot(server, run_dir) as (bot, jid):
        parlons = online_parlons(server, run_dir)
        try:
            bot.do("send", to=parlons.jid, body="hi")
            bot_name = jid.split("@")[0]
            parlons.wait_for(f"2:{bot_name}", timeout=30)
            parlons.ctl.send_keys("M-2")
            parlons.wait_for(f"2:{bot_name}", timeout=10, rows=(0, 0))
            result.update(parlons_receive(server, parlons, bot, parlons.jid, args.messages, room=False))
        finally:
            parlons.close()
        return result


def w4_echo(server: Server, run_dir: Path, args) -> Result:
    """A key typed → on screen, in a room window: idle, then during a W2 flood."""
    return _echo_in_room(server, run_dir, args, parlons_in_room)


def w4_poezio(server: Server, run_dir: Path, args) -> Result:
    """W4 with Poezio in the pane: the reference client, same bench (bench/e2e/reference.py)."""
    from bench.e2e.reference import poezio_in_room

    return _echo_in_room(server, run_dir, args, poezio_in_room)


def _echo_in_room(server: Server, run_dir: Path, args,
                  join: Callable[[Server, AgentProcess, Path], tuple[Parlons, str]]) -> Result:
    with online_bot(server, run_dir) as (bot, jid):
        parlons, room = join(server, bot, run_dir)
        try:
            time.sleep(0.5)
            idle_keys = type_keys(parlons, KEYS[:20])
            idle_words = type_words(parlons)
            flood = parlons_receive(server, parlons, bot, room, args.messages, room=True,
                                    during=lambda watch: echo_probes(parlons, watch))
        finally:
            parlons.close()
        return {"keys_idle": idle_keys, "words_idle": idle_words,
                "keys_flood": flood["during"]["keys"], "words_flood": flood["during"]["words"],
                "parlons_s": flood["parlons_s"], "parlons": flood["parlons"],
                "parlons_server": flood["parlons_server"]}


LOG_ROWS = (1, SIZE[1] - 4)  # rows of the message log: below the title, above the bars


def page_ups(parlons: Parlons, count: int = 8) -> list[float]:
    """PageUp → the log shows other rows: seconds, ``count`` times."""
    times = []
    for _ in range(count):
        before = parlons.ctl.capture(*LOG_ROWS)
        sent = parlons.ctl.send_keys("PPage")
        seen = parlons.wait_lines(partial(operator.ne, before), sent + 5, LOG_ROWS,
                                  "PageUp changed nothing on screen")
        times.append(seen - sent)
        time.sleep(0.1)
    return times


def w5_big_window(server: Server, run_dir: Path, args) -> Result:
    """100k messages in one room window: time, RSS growth, then PageUp.
    The room keeps no archive on the server (see agent.py's ``open``)."""
    with online_bot(server, run_dir) as (bot, jid):
        result = floor_receive(server, bot, run_dir, args.big, room=True, archive=False)
        parlons, room = parlons_in_room(server, bot, run_dir, archive=False)
        try:
            result.update(parlons_receive(server, parlons, bot, room, args.big, room=True))
            result["page_up"] = page_ups(parlons)
        finally:
            parlons.close()
        return result


STORM_OVER = "storm over"


def w6_presence_storm(server: Server, run_dir: Path, args) -> Result:
    """N contacts (a component speaks for them) each change presence once;
    then one of them writes: floor → that message received; Parlons → its
    window in the window bar.  Keys and words typed meanwhile (status window)."""
    with storm_contacts(server, run_dir, args.presences) as (storm, contacts):
        with floor_agent(server, run_dir, contacts, timeout=120) as (floor, _online):
            before = floor.do("expect", body=STORM_OVER)
            server_share = server_share_from(server.prosody.pid)
            storm.send("storm", to=floor.jid, count=len(contacts), then=STORM_OVER)
            stormed = storm.wait("stormed", timeout=300)
            got = floor.wait("got", timeout=300)
            result: Result = {"floor_s": got["t"] - stormed["t_first"], "floor": delta(got, before),
                              "floor_server": server_share(),
                              "send_s": stormed["t"] - stormed["t_first"], "floor_stall_max": got["stall_max"]}
        parlons = parlons_with_roster(server, run_dir, contacts)
        try:
            parlons.wait_for(f"{parlons.jid}: online", timeout=120)
            time.sleep(2.0)  # the login's own presences settle
            marker = "2:" + contacts[0].split("@")[0]
            before = parlons.stats()
            server_share = server_share_from(server.prosody.pid)
            with ScreenWatch(parlons, marker, at_seen=parlons.stats) as watch:
                storm.send("storm", to=parlons.jid, count=len(contacts), then=STORM_OVER)
                probes = echo_probes(parlons, watch)
                seen = watch.wait(300)
            parlons_server = server_share()
            assert watch.seen_stats is not None
            stormed = storm.wait("stormed", timeout=300)
        finally:
            parlons.close()
        result.update({"parlons_s": seen - stormed["t_first"], "parlons": delta(watch.seen_stats, before),
                       "parlons_server": parlons_server,
                       "keys_flood": probes["keys"], "words_flood": probes["words"]})
        return result


@contextmanager
def crowded_room(server: Server, run_dir: Path, bot: AgentProcess, count: int,
                 timeout: float = 600) -> Iterator[tuple[str, dict[str, Any]]]:
    """A room the bot opens, with ``count`` occupants put there by the crowd
    component (bench/e2e/crowd.py): the room and the crowd's ``occupied``
    event; the crowd leaves after."""
    room = server.room("w7")
    bot.do("open", room=room, nick="bot")
    crowd = crowd_process(server, run_dir / "crowd.log")
    try:
        crowd.wait("online")
        crowd.send("occupy", room=room, count=count)
        yield room, crowd.wait("occupied", timeout=timeout)
    finally:
        crowd.close()


def w7_crowded_room(server: Server, run_dir: Path, args) -> Result:
    """Joining a room of N occupants: N-1 of them put there by a component
    (bench/e2e/crowd.py), plus the bot that opened it.  Floor: the join sent
    → its subject came (every occupant's presence comes before it); Parlons:
    Enter on ``/join`` → the nick list's header counts N+1 people (itself
    too).  Keys and words typed meanwhile."""
    occupants = args.occupants
    with online_bot(server, run_dir) as (bot, _jid), \
            crowded_room(server, run_dir, bot, occupants - 1) as (room, occupied):
        with floor_agent(server, run_dir) as (floor, _online):
            before = floor.do("stats", reply="stats")
            server_share = server_share_from(server.prosody.pid)
            joined = floor.do("join", room=room, nick="floor", timeout=120)
            floor_server = server_share()
        if joined["occupants"] != occupants + 1:  # its own presence is one of them
            raise BenchError(f"the floor saw {joined['occupants']} occupants, not {occupants} and itself")
        result: Result = {"floor_s": joined["t"] - joined["t_first"], "floor": delta(joined, before),
                          "floor_server": floor_server,
                          "setup_s": occupied["t_done"] - occupied["t_first"],
                          "floor_stall_max": joined["stall_max"]}
        parlons = online_parlons(server, run_dir)
        try:
            time.sleep(1.0)  # the login settles
            command = f"/join {room}"
            parlons.ctl.send_text(command)
            parlons.wait_for(command, timeout=10, rows=INPUT_ROW)
            before = parlons.stats()
            server_share = server_share_from(server.prosody.pid)
            with ScreenWatch(parlons, f"{occupants + 1} people", at_seen=parlons.stats) as watch:
                sent = parlons.ctl.send_keys("Enter")
                _echo(parlons, sent, "", timeout=10)  # the line is taken: what follows is typing
                probes = echo_probes(parlons, watch)
                seen = watch.wait(120)
            parlons_server = server_share()
            assert watch.seen_stats is not None
            parlons.wait_for(f"You are in {room}", timeout=30)
        finally:
            parlons.close()
    result.update({"parlons_s": seen - sent, "parlons": delta(watch.seen_stats, before),
                   "parlons_server": parlons_server,
                   "keys_flood": probes["keys"], "words_flood": probes["words"]})
    return result


SEARCHES = ("xylophone", "the", "lunch tomorrow", "meeting friday", '"good morning"', "tomor*")


def stored_history(count: int) -> Path:
    """The N-message history file of bench/bench_search.py (same cache in the
    temp dir; built here if missing: ≈3 minutes for 1M)."""
    import asyncio
    import tempfile

    from bench.bench_search import build

    path = Path(tempfile.gettempdir()) / f"parlons-bench-history-{count}.sqlite3"
    if not path.exists():
        partial = path.with_name(path.name + ".building")
        asyncio.run(build(partial, count))
        partial.rename(path)
    return path


_RESULT_LINE = re.compile(r"-!- +\d+\. \[")


def _enter_line(parlons: Parlons, text: str) -> None:
    """Type ``text`` and Enter, and wait until the input line is empty again:
    a key typed while Enter is still held would join it in one burst."""
    parlons.type_line(text)
    _echo(parlons, time.monotonic(), "", timeout=10)


def _results_shown(parlons: Parlons, words: str, deadline: float) -> float:
    """When the header or a result line shows (50 results push the header
    off the 48-row screen; all of them are written in one go)."""
    header = f"Search {words!r}: "
    return parlons.wait_lines(lambda lines: any(header in line or _RESULT_LINE.search(line) for line in lines),
                              deadline, LOG_ROWS, f"no result of /search {words} on screen")


def w8_search(server: Server, run_dir: Path, args) -> Result:
    """/search over N stored messages: Enter → the result header on screen,
    each search ``args.repeat`` times in an emptied status window."""
    import shutil

    from tui.store.history import history_path

    jid, password = server.account("alice")
    home = run_dir / "alice"
    target = history_path(home / "data" / "parlons", jid)
    target.parent.mkdir(parents=True)
    shutil.copyfile(stored_history(args.stored), target)
    parlons = Parlons(server, jid, password, home)
    times: dict[str, list[float]] = {}
    try:
        parlons.wait_for(f"{jid}: online", timeout=120)
        for _ in range(args.repeat):
            # the baseline: a command that does nothing (Enter → its one line
            # shown), its Enter right behind the text as the searches' are
            # (the paste guard waits 15 ms for a key at burst speed behind
            # it), then after a typist's pause (Enter → screen as typed)
            for pause, name in ((0.0, "(unknown command: the baseline)"),
                                (0.3, "(unknown command, Enter typed after a pause)")):
                parlons.ctl.send_text("/nosuchcommand")
                parlons.wait_for("/nosuchcommand", timeout=10, rows=INPUT_ROW)
                time.sleep(pause)
                sent = parlons.ctl.send_keys("Enter")
                seen = parlons.wait_for("Unknown command /nosuchcommand", timeout=10)
                times.setdefault(name, []).append(seen - sent)
                _enter_line(parlons, "/clear")
        for words in SEARCHES:
            for _ in range(args.repeat):
                _enter_line(parlons, "/clear")
                parlons.wait_lines(lambda lines: not any("Search " in line for line in lines),
                                   time.monotonic() + 10, LOG_ROWS, "/clear left the last search on screen")
                command = f"/search {words}"
                parlons.ctl.send_text(command)
                parlons.wait_for(command, timeout=10, rows=INPUT_ROW)
                sent = parlons.ctl.send_keys("Enter")
                seen = _results_shown(parlons, words, sent + 60)
                times.setdefault(words, []).append(seen - sent)
        after = parlons.stats()
    finally:
        parlons.close()
    return {"searches": times, "parlons": {**after, "rss_growth": None}}


# the workloads whose Server carries the external component (storm.py, crowd.py)
WITH_COMPONENT = frozenset({"W1", "W6", "W7"})

WORKLOADS: dict[str, Callable[[Server, Path, Any], Result]] = {
    "W1": w1_launch,
    "W2": w2_room_flood,
    "W2N": w2_noise,
    "W3": w3_chat_flood,
    "W4": w4_echo,
    "W4P": w4_poezio,
    "W5": w5_big_window,
    "W6": w6_presence_storm,
    "W7": w7_crowded_room,
    "W8": w8_search,
}
