"""What the bench's helper processes (agent, storm, crowd) share: one JSON
event per stdout line, commands as JSON lines on stdin, and a component's
command line.  No slixmpp here: the crowd does without it."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from typing import Any


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, "t": time.monotonic(), **fields}) + "\n")
    sys.stdout.flush()


def read_commands(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    for line in sys.stdin:
        if line.strip():
            loop.call_soon_threadsafe(queue.put_nowait, json.loads(line))
    loop.call_soon_threadsafe(queue.put_nowait, {"op": "quit"})


def commands() -> asyncio.Queue:
    """The orchestrator's commands, read by a thread; {"op": "quit"} at EOF."""
    queue: asyncio.Queue = asyncio.Queue()
    threading.Thread(target=read_commands, args=(asyncio.get_running_loop(), queue), daemon=True).start()
    return queue


def component_arguments(prog: str) -> argparse.Namespace:
    """An XEP-0114 component's command line (storm, crowd)."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    return parser.parse_args()
