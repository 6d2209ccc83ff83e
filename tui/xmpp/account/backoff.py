"""Reconnect delays: exponential backoff with jitter.

"Equal jitter": half of the exponential delay is fixed, half random, so many
clients cut off at once do not come back in lock-step, and a single client
still waits a predictable minimum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 1.0
    cap: float = 300.0
    attempt: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2 ** self.attempt))
        self.attempt += 1
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempt = 0
