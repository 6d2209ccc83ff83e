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
    saved_secrets = logging_setup.secrets_snapshot()
    try:
        yield
    finally:
        logging_setup.stop_logging()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.lastResort, logging.raiseExceptions = saved[2], saved[3]
        logging.captureWarnings(False)
        logging_setup.restore_secrets(saved_secrets)
