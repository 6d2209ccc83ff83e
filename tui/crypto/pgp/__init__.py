"""OpenPGP for conversations, XEP-0027 (legacy OpenPGP), on python-gnupg
over the ``gpg`` program: ``gpg.py`` (the one door to gpg, off the loop),
``armour.py`` (the wire form), ``chosen_keys.py`` (which keys an account
uses), ``scheme.py`` (the encryption scheme and signed presence).
Commands: tui/commands/pgp.py (/pgp)."""

from __future__ import annotations

from ...xmpp.conversation import encryption
from .scheme import NAME, PgpScheme


def register() -> None:
    encryption.register(NAME, PgpScheme, presence=True)  # signed presence (XEP-0027)


def unregister() -> None:
    encryption.unregister(NAME)
