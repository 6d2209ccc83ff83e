"""Benchmark of the history store (tui/store) on a big history.

    python bench/bench_search.py [--db PATH] [--count N] [--rebuild]

Builds (or reuses, if PATH already holds >= N messages) a store of N
messages (default 1,000,000) over 500 conversations (20 of them rooms)
spread over 5 years, with bodies drawn from a Zipf-distributed vocabulary
(fixed seed), written through ``add_many`` in pages of 1000 as a MAM
catch-up would.  Then reports the insert rate, the file size, search
times (rare word, common word, two words, one conversation), paging
(latest/before), lastlog, and single add() latencies on the full file.
The default PATH is in the temp dir, so a second run skips the build.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.store import HistoryStore, StoredMessage  # noqa: E402

SEED = 20240301
PEERS = 500
ROOMS = 20
YEARS = 5
PAGE = 1000
RARE_WORD = "xylophone"  # planted in RARE_COUNT messages
RARE_COUNT = 25
COMMON = (
    "the a to and of i you it is that in for on be me my this we have do not no so with at but are "
    "just what was ok can if yes will get like your all up out about there one now know think good "
    "time see go how well today tomorrow later lunch meeting code server room message call tonight "
    "thanks sure maybe really need want work home back night morning week weekend friday monday"
).split()
SYLLABLES = "ka lo mi ne ru ta shi po va de zu fe gri tol mar ben sol tik nor pel qua ver".split()


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Common words first, then 30k made-up ones; Zipf weights (s ≈ 1)."""
    made_up: set[str] = set()
    while len(made_up) < 30_000:
        made_up.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    words = COMMON + sorted(made_up)
    rng.shuffle(words[len(COMMON):])
    cum = list(accumulate(1.0 / (rank + 1) for rank in range(len(words))))
    return words, cum


def generate(count: int):
    """Pages of StoredMessage in time order (as live traffic and MAM arrive)."""
    rng = random.Random(SEED)
    words, cum = vocabulary(rng)
    peers = [f"contact{i}@example.org" for i in range(PEERS - ROOMS)]
    rooms = [f"room{i}@conference.example.org" for i in range(ROOMS)]
    all_peers = peers + rooms
    peer_cum = list(accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(PEERS)))
    rng.shuffle(all_peers)
    nicks = [f"nick{i}" for i in range(200)]
    start = datetime.now(timezone.utc) - timedelta(days=365 * YEARS)
    step = timedelta(days=365 * YEARS) / count
    rare_at = set(rng.sample(range(count), RARE_COUNT))
    page = []
    for index in range(count):
        peer = rng.choices(all_peers, cum_weights=peer_cum)[0]
        room = peer.startswith("room")
        roll = rng.random()
        length = rng.randint(1, 8) if roll < 0.6 else rng.randint(9, 25) if roll < 0.95 else rng.randint(26, 80)
        body_words = rng.choices(words, cum_weights=cum, k=length)
        if index in rare_at:
            body_words.insert(rng.randrange(len(body_words) + 1), RARE_WORD)
        direction = "out" if rng.random() < 0.4 else "in"
        uid = f"{index:08x}-{rng.getrandbits(64):016x}"
        page.append(StoredMessage(
            peer=peer, direction=direction, body=" ".join(body_words),
            time=start + step * index + timedelta(microseconds=rng.randrange(1000)),
            nick=rng.choice(nicks) if room else ("me" if direction == "out" else peer.split("@")[0]),
            kind="groupchat" if room else "chat",
            stanza_id=f"S{uid}", origin_id=f"O{uid}", msg_id=f"M{uid}",
            delivery="delivered" if direction == "out" else "none",
        ))
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


async def build(path: Path, count: int) -> float:
    store = await HistoryStore.open(path)
    stored, started, writing = 0, time.perf_counter(), 0.0
    for page in generate(count):
        began = time.perf_counter()
        results = await store.add_many(page)
        writing += time.perf_counter() - began
        stored += sum(r is not None for r in results)
        if stored % 100_000 < PAGE:
            print(f"  {stored:>9,} stored, {time.perf_counter() - started:6.1f} s", flush=True)
    await store.close()
    print(f"  built in {time.perf_counter() - started:.1f} s (generation included)")
    return stored / writing


async def timed(call, runs: int = 7) -> tuple[float, float, object]:
    """(first run, median of the others) in ms, and the last result."""
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = await call()
        times.append((time.perf_counter() - began) * 1000)
    return times[0], statistics.median(times[1:]), result


def file_size(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())


def conversations(path: Path) -> tuple[str, str]:
    """The busiest conversation and a quiet one (~200 messages): setup
    only, read straight from the file."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    counts = db.execute(
        "SELECT p.jid, count(*) AS n FROM messages m JOIN peers p ON p.id = m.peer_id"
        " GROUP BY m.peer_id ORDER BY n DESC"
    ).fetchall()
    db.close()
    quiet = min(counts, key=lambda row: abs(row[1] - 200))
    return counts[0][0], quiet[0]


async def measure(path: Path) -> None:
    store = await HistoryStore.open(path)
    total = await store.count()
    print(f"\n{total:,} messages, {file_size(path) / 2**20:.0f} MiB on disk ({path})")
    busiest, quiet = conversations(path)
    rows = []

    async def report(label, call, runs=7):
        first, median, result = await timed(call, runs)
        size = len(result) if isinstance(result, list) else result
        rows.append((label, first, median, size))

    await report(f"search rare word ({RARE_WORD!r}, {RARE_COUNT} hits)", lambda: store.search(RARE_WORD))
    await report("search common word ('the'), newest 50", lambda: store.search("the"))
    await report("search two words ('lunch tomorrow')", lambda: store.search("lunch tomorrow"))
    await report("search two rarer words ('meeting friday')", lambda: store.search("meeting friday"))
    await report("search phrase ('\"see you\"' analogue: '\"good morning\"')", lambda: store.search('"good morning"'))
    await report("search prefix ('tomor*')", lambda: store.search("tomor*"))
    await report("search a word in no message", lambda: store.search("qwertyuiop"))
    await report("search common word in one busy conversation", lambda: store.search("the", peer=busiest))
    await report("search common word in a quiet conversation", lambda: store.search("the", peer=quiet))
    await report("search two words in a quiet conversation", lambda: store.search("lunch tomorrow", peer=quiet))
    await report("latest(busiest, 200)", lambda: store.latest(busiest, 200))
    page = await store.latest(busiest, 200)
    oldest = page[0].rowid
    assert oldest is not None  # read back from the store: numbered
    await report("before(busiest, rowid, 200)", lambda: store.before(busiest, oldest, 200))
    middle = datetime.now(timezone.utc) - timedelta(days=365 * 2)
    await report("before(busiest, a time 2 years ago, 200)", lambda: store.before(busiest, middle, 200))
    await report("newest_stanza_id()", store.newest_stanza_id)
    await report("grep(busiest, 'xylo') (lastlog: scans the conversation)", lambda: store.grep(busiest, "xylo"), 3)
    conversation, quiet_count = await store.count(busiest), await store.count(quiet)

    now = datetime.now(timezone.utc)
    stamp = f"{time.time_ns():x}"
    singles = []
    for index in range(200):
        began = time.perf_counter()
        await store.add(StoredMessage(peer=busiest, direction="in", body=f"live message {index}",
                                      time=now, msg_id=f"L{stamp}{index}", stanza_id=f"LS{stamp}{index}"))
        singles.append((time.perf_counter() - began) * 1000)
    began = time.perf_counter()
    await asyncio.gather(*(
        store.add(StoredMessage(peer=busiest, direction="in", body=f"burst {index}", time=now,
                                msg_id=f"B{stamp}{index}", stanza_id=f"BS{stamp}{index}"))
        for index in range(100)
    ))
    burst = (time.perf_counter() - began) * 1000
    # MAM-sized pages with random UUID ids (as Prosody and most clients make
    # them): every id index takes random-page writes, unlike the build's.
    rng = random.Random(SEED + 1)
    mam = [
        StoredMessage(peer=rng.choice((busiest, quiet)), direction="in", body=f"caught up {index} later today",
                      time=now + timedelta(milliseconds=index), stanza_id=str(uuid.uuid4()),
                      origin_id=str(uuid.uuid4()), msg_id=str(uuid.uuid4()))
        for index in range(5000)
    ]
    began = time.perf_counter()
    for start in range(0, len(mam), 100):
        await store.add_many(mam[start:start + 100])
    mam_rate = len(mam) / (time.perf_counter() - began)
    await store.close()

    print(f"\nbusiest conversation: {busiest}, {conversation:,} messages;"
          f" quiet one: {quiet}, {quiet_count:,}\n")
    print(f"| {'operation':<62} | first ms | median ms | results |")
    print(f"| {'-' * 62} | -------: | --------: | ------: |")
    for label, first, median, size in rows:
        print(f"| {label:<62} | {first:8.2f} | {median:9.2f} | {size!s:>7} |")
    print(f"\nadd(), one per turn, 200 in a row: median {statistics.median(singles):.2f} ms,"
          f" max {max(singles):.2f} ms")
    print(f"add() x100 in one turn (coalesced into one transaction): {burst:.1f} ms total")
    print(f"add_many, pages of 100, random UUID ids, on the full file: {mam_rate:,.0f} msgs/s")
    print("\nspace by table/index (MiB):")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for name, size in db.execute(
        "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 10"
    ):
        print(f"  {name:<32} {size / 2**20:7.1f}")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="store to build or reuse")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    path = args.db or Path(tempfile.gettempdir()) / f"parlons-bench-history-{args.count}.sqlite3"
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    async def run() -> None:
        existing = 0
        if path.exists():
            store = await HistoryStore.open(path)
            existing = await store.count()
            await store.close()
        if existing >= args.count:
            print(f"reusing {path} ({existing:,} messages); --rebuild to start over")
        else:
            if path.exists():
                sys.exit(f"{path} holds {existing:,} < {args.count:,} messages: use --rebuild or another --db")
            print(f"building {args.count:,} messages in {path}")
            rate = await build(path, args.count)
            print(f"insert rate (add_many, pages of {PAGE}, FTS included): {rate:,.0f} msgs/s")
        await measure(path)

    asyncio.run(run())


if __name__ == "__main__":
    main()
