"""What escaped while a test ran: exceptions that reached the event loop's
handler (a task nobody awaited, a callback that raised) and log records at
ERROR or above (slixmpp logs a handler's exception that way, our
SerialRunner a failed queued step). A hostile stanza must cause none."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from typing import Iterator


class _Collector(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            where = " < ".join(frame.name for frame in reversed(traceback.extract_tb(error.__traceback__)))
            text += f" [{type(error).__name__}: {error}] in {where}"
        self.into.append(text)


@contextlib.contextmanager
def escaped_errors() -> Iterator[list[str]]:
    """A list that fills with one line per escaped error; use inside the
    test's running loop."""
    caught: list[str] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()

    def on_loop_error(_loop, context) -> None:
        error = context.get("exception")
        caught.append(f"loop: {context.get('message')} [{type(error).__name__}: {error}]" if error
                      else f"loop: {context.get('message')}")

    loop.set_exception_handler(on_loop_error)
    collector = _Collector(caught)
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield caught
    finally:
        root.removeHandler(collector)
        loop.set_exception_handler(previous)
