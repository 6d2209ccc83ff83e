"""Tests that call setup_logging change process-wide state: put it back."""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

from tui import logging_setup


@contextlib.contextmanager
def preserved_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.lastResort, logging.raiseExceptions)
    saved_secrets = set(logging_setup._secrets)
    saved_pattern = logging_setup._secret_pattern
    try:
        yield
    finally:
        if logging_setup._handler is not None:
            root.removeHandler(logging_setup._handler)
            logging_setup._handler.close()
            logging_setup._handler = None
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.lastResort, logging.raiseExceptions = saved[2], saved[3]
        logging.captureWarnings(False)
        logging_setup._secrets.clear()
        logging_setup._secrets.update(saved_secrets)
        logging_setup._secret_pattern = saved_pattern
