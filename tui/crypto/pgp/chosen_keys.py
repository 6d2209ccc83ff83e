"""Which keys an account uses: our own, and each contact's — by the primary
key's fingerprint, and how we came to it ("set" by a command, or learned
from a signed presence).

Kept in a small JSON file, mode 0600, under the account's data dir
(``<data_dir>/pgp/<account>.json``); in memory only when there is no data
dir (tests without a store). Writes are tiny and rare (a command, a first
signed presence): done in place, atomically (write, then rename).
"""

from __future__ import annotations

import json
import logging
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
        write_private(self.path, json.dumps(data, indent=1).encode("utf-8"))
