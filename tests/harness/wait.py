"""Wait for a condition with a deadline, never for a fixed time.

`until` (async) is for tests running on the event loop: it yields to the
loop between polls so the code under test can make progress. `wait_until`
(sync) is for tmux tests, where the code under test is another process.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from typing import Any, Callable

# Deadlines are written for a quiet machine; a loaded 2-core CI machine gets
# more slack. A passing test is no slower for it: conditions are polled.
TIMEOUT_SCALE = float(os.environ.get("PARLONS_TEST_TIMEOUT_SCALE", "3"))


def _describe(predicate: Callable[[], Any], message: "str | Callable[[], str]", last: Any,
              error: BaseException | None) -> str:
    # A callable message is evaluated at the deadline: it can show the state then.
    if callable(message):
        try:
            message = message()
        except Exception as exc:  # the description must not hide the timeout
            message = f"(message failed: {exc!r})"
    name = message or getattr(predicate, "__qualname__", repr(predicate))
    detail = f"last raised {error!r}" if error is not None else f"last value {last!r}"
    return f"{name}: {detail}"


async def until(
    predicate: Callable[[], Any],
    timeout: float = 5.0,
    interval: float = 0.02,
    message: "str | Callable[[], str]" = "",
) -> Any:
    """Poll `predicate` (sync, or returning an awaitable) until it is truthy.

    Returns the truthy value. An exception raised by the predicate counts as
    "not yet" (so `lambda: peer.messages[0]` works) and is reported if the
    deadline passes. Raises AssertionError on timeout.
    """
    loop = asyncio.get_running_loop()
    timeout *= TIMEOUT_SCALE
    deadline = loop.time() + timeout
    last: Any = None
    error: BaseException | None = None
    while True:
        try:
            last = predicate()
            if inspect.isawaitable(last):
                last = await last
            error = None
        except (AssertionError, LookupError, AttributeError, ValueError, TypeError) as exc:
            last, error = None, exc
        if last:
            return last
        if loop.time() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {_describe(predicate, message, last, error)}")
        await asyncio.sleep(interval)


def wait_until(
    predicate: Callable[[], Any],
    timeout: float = 5.0,
    interval: float = 0.02,
    message: "str | Callable[[], str]" = "",
) -> Any:
    """Blocking twin of `until` for code that is not on an event loop."""
    timeout *= TIMEOUT_SCALE
    deadline = time.monotonic() + timeout
    last: Any = None
    error: BaseException | None = None
    while True:
        try:
            last = predicate()
            error = None
        except (AssertionError, LookupError, AttributeError, ValueError, TypeError) as exc:
            last, error = None, exc
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {_describe(predicate, message, last, error)}")
        time.sleep(interval)
