"""OX — OpenPGP for XMPP (XEP-0373/0374): ``signcrypt.py`` (the signed and
encrypted content, pure), ``public_keys.py`` (keys in PEP), ``scheme.py``
(the encryption scheme), on the OpenPGP package's gpg door
(tui/crypto/pgp/gpg.py) and keyring. Commands: tui/commands/ox.py (/ox)."""

from __future__ import annotations

from ...xmpp.conversation import encryption
from .scheme import NAME, OxScheme


def register() -> None:
    encryption.register(NAME, OxScheme)


def unregister() -> None:
    encryption.unregister(NAME)
