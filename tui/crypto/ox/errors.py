"""OX's one error: a line that says what failed (and the XMPP condition, if any)."""

from __future__ import annotations

from ...text import sanitize_line
from ..pgp.gpg import PgpError


class OxError(PgpError):
    """An OX operation failed; str() says why in one line; ``condition``:
    the XMPP error condition of a PEP request ("" otherwise)."""

    def __init__(self, text: str, condition: str = "") -> None:
        super().__init__(sanitize_line(text))
        self.condition = condition
