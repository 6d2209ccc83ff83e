"""Test-only start-up hook (on PYTHONPATH for a Parlons under test): with
PARLONS_TEST_STALL set to a directory, SIGUSR1 stalls the main thread — the
event loop's — for PARLONS_TEST_STALL_SECONDS (default 3) without holding
the interpreter lock, as a loop too busy to take keys would; ``began`` and
``ended`` are written in that directory around the stall.  Other threads
(Textual's input and writer threads) run meanwhile."""

import os
import signal
import time
from pathlib import Path

_where = os.environ.get("PARLONS_TEST_STALL")
if _where:
    def _stall(_signum, _frame, where=Path(_where)):
        (where / "began").write_text(str(time.monotonic()))
        time.sleep(float(os.environ.get("PARLONS_TEST_STALL_SECONDS", "3")))
        (where / "ended").write_text(str(time.monotonic()))

    signal.signal(signal.SIGUSR1, _stall)
