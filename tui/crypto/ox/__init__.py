"""OX — OpenPGP for XMPP (XEP-0373/0374): ``signcrypt.py`` (the signed and
encrypted content, pure), ``public_keys.py`` (keys in PEP), ``scheme.py``
(the encryption scheme), on the OpenPGP package's gpg door
(tui/crypto/pgp/gpg.py) and keyring. Commands: tui/commands/ox.py (/ox)."""

from __future__ import annotations

from ...xmpp.conversation import encryption

NAME = "ox"
NS = "urn:xmpp:openpgp:0"


def payload(stanza):
    """The message's ``<openpgp/>`` (an ElementTree element), or None."""
    return stanza.xml.find(f"{{{NS}}}openpgp")


def may_be_ox(stanza) -> bool:
    return payload(stanza) is not None


def _factory(host):
    from .scheme import OxScheme  # made on /ox or the first OX message, not at start-up

    return OxScheme(host)


def register() -> None:
    encryption.register(NAME, _factory, may_be=may_be_ox)


def unregister() -> None:
    encryption.unregister(NAME)
