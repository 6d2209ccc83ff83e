"""XEP-0027 carries OpenPGP data without its ASCII armour: no BEGIN/END
lines, no armour headers, no CRC line — only the base64 body. These two
pure functions go between that and what gpg reads and writes."""

from __future__ import annotations

MESSAGE = "MESSAGE"  # an encrypted message (jabber:x:encrypted)
SIGNATURE = "SIGNATURE"  # a detached signature (jabber:x:signed)


def remove(armoured: str) -> str:
    """The base64 body of an armoured block (headers and checksum dropped)."""
    lines = [line.strip() for line in armoured.strip().splitlines()]
    try:
        begin = next(i for i, line in enumerate(lines) if line.startswith("-----BEGIN PGP "))
        end = next(i for i, line in enumerate(lines) if line.startswith("-----END PGP "))
    except StopIteration:
        raise ValueError("not an armoured OpenPGP block") from None
    body = lines[begin + 1:end]
    if "" in body:  # armour headers (Version:, Comment:) end at the first blank line
        body = body[body.index("") + 1:]
    return "\n".join(line for line in body if line and not line.startswith("="))


def add(body: str, kind: str) -> str:
    """``body`` (armour-stripped base64, as on the wire) armoured again for gpg."""
    text = "\n".join(line.strip() for line in body.strip().splitlines() if line.strip())
    return f"-----BEGIN PGP {kind}-----\n\n{text}\n-----END PGP {kind}-----\n"
