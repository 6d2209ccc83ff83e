"""Bytes the history store writes for a flood (issue 14: W2 ≤ 2 MiB).

    python bench/bench_store_flood.py [--messages 5000] [--batch 20] [--kind room|chat]
                                      [--history N] [--variant NAME]

Feeds ``--messages`` live messages through the real store path (the
guarded store's ``add_many``, as the conversation pipeline calls it) in
batches of ``--batch`` (a W2 flood gives ~20: 5,000 messages in ~250
transactions), each awaited before the next, as the serial runner does.
Ids are made as a flood makes them: the room's stanza-id a UUID string
(Prosody), the message id ``uuid4().hex`` (slixmpp), bodies of 40–120
characters.  ``--history N`` first writes N older messages (a used file),
not counted.  Reports write_bytes and wchar of /proc/self/io for the flood,
then for closing the store (what is written after the last line was
stored: the inbox's merge, the final checkpoint), the process's CPU
seconds for each, and the file sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.store import HistoryStore, StoredMessage  # noqa: E402
from tui.store.guarded import GuardedHistory  # noqa: E402

WORDS = ("good morning the flood is here again and we all read every line of it while "
         "coffee cools down slowly near the keyboard").split()


def io_counters() -> dict[str, int]:
    with open("/proc/self/io") as f:
        return {k: int(v) for k, v in (line.split(": ") for line in f)}


def body(rng: random.Random) -> str:
    text = ""
    target = rng.randint(40, 120)
    while len(text) < target:
        text += rng.choice(WORDS) + " "
    return text[:target].strip()


def flood(rng: random.Random, n: int, kind: str, start: datetime, peer: str) -> list[StoredMessage]:
    room = kind == "room"
    return [
        StoredMessage(
            peer=peer, direction="in", body=body(rng), time=start + timedelta(microseconds=137 * i),
            nick=f"bot{i % 3}" if room else "", kind="groupchat" if room else "chat",
            stanza_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            msg_id=uuid.UUID(int=rng.getrandbits(128), version=4).hex,
        )
        for i in range(n)
    ]


def sizes(path: Path) -> dict[str, int]:
    return {suffix or "db": (path.with_name(path.name + suffix).stat().st_size
                             if path.with_name(path.name + suffix).exists() else 0)
            for suffix in ("", "-wal")}


async def run(args: argparse.Namespace) -> dict:
    rng = random.Random(14)
    workdir = Path(tempfile.mkdtemp(prefix="parlons-store-flood-", dir=args.dir))
    path = workdir / "a.sqlite3"
    peer = "flood@rooms.example" if args.kind == "room" else "bot@example"
    now = datetime.now(timezone.utc)
    store = await HistoryStore.open(path)
    if args.history:
        old = flood(rng, args.history, args.kind, now - timedelta(days=30), peer)
        for i in range(0, len(old), 1000):
            await store.add_many(old[i:i + 1000])
    await store.close()
    os.sync()
    store = await HistoryStore.open(path)
    guarded = GuardedHistory(store, warn=print)
    messages = flood(rng, args.messages, args.kind, now, peer)
    before, cpu0 = io_counters(), time.process_time()
    transactions = 0
    for i in range(0, len(messages), args.batch):
        stored = await guarded.add_many(messages[i:i + args.batch])
        assert all(m is not None and m.rowid for m in stored)
        transactions += 1
    shown, cpu1 = io_counters(), time.process_time()
    size_shown = sizes(path)
    await guarded.close()
    closed, cpu2 = io_counters(), time.process_time()
    result = {
        "messages": args.messages, "batch": args.batch, "transactions": transactions,
        "write_bytes_stored": shown["write_bytes"] - before["write_bytes"],
        "wchar_stored": shown["wchar"] - before["wchar"],
        "write_bytes_close": closed["write_bytes"] - shown["write_bytes"],
        "wchar_close": closed["wchar"] - shown["wchar"],
        "cpu_stored": cpu1 - cpu0, "cpu_close": cpu2 - cpu1,
        "sizes_at_last_store": size_shown, "sizes_closed": sizes(path),
    }
    for f in workdir.iterdir():
        f.unlink()
    workdir.rmdir()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--kind", choices=("room", "chat"), default="room")
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--dir", default=None, help="where the temp database goes (a real disk: not tmpfs)")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    mib = 1 << 20
    print(f"{result['messages']} {args.kind} messages in {result['transactions']} transactions")
    for key in ("write_bytes_stored", "wchar_stored", "write_bytes_close", "wchar_close"):
        print(f"  {key:20} {result[key] / mib:8.2f} MiB  ({result[key] / result['messages']:.0f} B/message)")
    print(f"  CPU (process) until the last was stored {result['cpu_stored']:.2f} s, closing {result['cpu_close']:.2f} s")
    print(f"  files at last store  {result['sizes_at_last_store']}")
    print(f"  files closed         {result['sizes_closed']}")


if __name__ == "__main__":
    main()
