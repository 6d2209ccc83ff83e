"""Where an account's OTR key and trusted fingerprints live: files under
``data_dir/otr/`` readable by us only (0600, in a 0700 directory), or
nowhere (memory only) when there is no data directory (tests)."""

from __future__ import annotations

import json
from pathlib import Path

from ...paths import write_private


class OtrFiles:
    """One account's OTR key and trust files (blocking: call them off the event loop)."""

    def __init__(self, data_dir: Path | None, account: str) -> None:
        self.dir = Path(data_dir) / "otr" if data_dir is not None else None
        self.account = account.lower()
        self._key: bytes | None = None  # in memory when there is no directory
        self._trusts: dict[str, dict[str, str]] = {}

    @property
    def key_path(self) -> Path | None:
        return self.dir / f"{self.account}.key" if self.dir is not None else None

    @property
    def trust_path(self) -> Path | None:
        return self.dir / f"{self.account}.trust.json" if self.dir is not None else None

    def load_key(self) -> bytes | None:
        path = self.key_path
        if path is None:
            return self._key
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def save_key(self, data: bytes) -> None:
        path = self.key_path
        if path is None:
            self._key = data
        else:
            write_private(path, data)

    def load_trusts(self) -> dict[str, dict[str, str]]:
        """{contact: {fingerprint: trust}}: "" known, "verified" by hand, "smp" by SMP."""
        path = self.trust_path
        if path is None:
            return {jid: dict(fprs) for jid, fprs in self._trusts.items()}
        try:
            raw = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        return {str(jid): {str(f): str(t) for f, t in fprs.items()} for jid, fprs in raw.items()
                if isinstance(fprs, dict)}

    def save_trusts(self, trusts: dict[str, dict[str, str]]) -> None:
        path = self.trust_path
        if path is None:
            self._trusts = {jid: dict(fprs) for jid, fprs in trusts.items()}
        else:
            write_private(path, json.dumps(trusts, indent=1, sort_keys=True).encode("utf-8"))
