"""What the tests read of the archive queries (XEP-0313) a client sent."""

from __future__ import annotations


def after_ids(queries) -> list[str | None]:
    """Each archive query's after-id form field (None: it has none), in the order sent."""
    found: list[str | None] = []
    for stanza in queries:
        fields = [f for f in stanza.xml.iter("{jabber:x:data}field") if f.get("var") == "after-id"]
        found.append(fields[0].findtext("{jabber:x:data}value") if fields else None)
    return found
