"""Which keys an account uses: our own, and each contact's — by the primary
key's fingerprint, and how we came to it ("set" by a command, or learned
from a signed presence).

Kept in a small JSON file, mode 0600, under the account's data dir
(``<data_dir>/pgp/<account>.json``, OX's beside it); in memory only when there is no data
dir (tests without a store). Writes are tiny and rare (a command, a first
signed presence) but fsync'd: atomically, and off the event loop when one runs
(one writer thread, so they land in order).
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ...paths import write_private

log = logging.getLogger(__name__)

SET = "set"  # /pgp contactkey
LEARNED = "presence"  # a valid signed presence, while no key was set


@dataclass(frozen=True, slots=True)
class ContactKey:
    fingerprint: str  # one; OX: every key the contact announces, space-separated
    source: str  # SET or LEARNED (OX: "pep", or "changed" once accepted after a change)

    @property
    def fingerprints(self) -> list[str]:
        return self.fingerprint.split()


def state_path(data_dir: Path, account: str, scheme: str = "pgp") -> Path:
    """``<data_dir>/<scheme>/<account>.json`` (OX keeps its own choices beside PGP's)."""
    safe = "".join(c if c.isalnum() or c in "@._-+" else f"%{ord(c):02X}" for c in account.lower())
    return data_dir / scheme / f"{safe}.json"


class ChosenKeys:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.own: str | None = None
        self.contacts: dict[str, ContactKey] = {}
        self._writer: ThreadPoolExecutor | None = None
        self._load()

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.own = data.get("own") or None
            self.contacts = {jid: ContactKey(entry["fingerprint"], entry.get("source", SET))
                             for jid, entry in data.get("contacts", {}).items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("cannot read %s: %s", self.path, exc)

    def set_own(self, fingerprint: str | None) -> None:
        self.own = fingerprint
        self._save()

    def set_contact(self, jid: str, fingerprint: str, source: str = SET) -> None:
        self.contacts[jid.lower()] = ContactKey(fingerprint, source)
        self._save()

    def contact(self, jid: str) -> ContactKey | None:
        return self.contacts.get(jid.lower())

    def _save(self) -> None:
        if self.path is None:
            return
        data = {"own": self.own,
                "contacts": {jid: {"fingerprint": key.fingerprint, "source": key.source}
                             for jid, key in sorted(self.contacts.items())}}
        encoded = json.dumps(data, indent=1).encode("utf-8")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (the demo's set-up): write now
            write_private(self.path, encoded)
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parlons-keys")
        written = loop.run_in_executor(self._writer, write_private, self.path, encoded)
        written.add_done_callback(self._written)

    def _written(self, done: asyncio.Future) -> None:
        if not done.cancelled() and done.exception() is not None:
            log.warning("cannot write %s: %s", self.path, done.exception())


def chosen_keys_for(host, scheme: str) -> ChosenKeys:
    """The key choices of ``host``'s account for ``scheme`` ("pgp", "ox"),
    under its data dir (in memory without one)."""
    data_dir: Path | None = host.data_dir
    return ChosenKeys(state_path(data_dir, host.account, scheme) if data_dir else None)
