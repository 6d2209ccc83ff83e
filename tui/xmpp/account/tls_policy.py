"""TLS is required, always; a refused certificate is named precisely.

slixmpp's ``enable_plaintext = False`` only stops it from *connecting* to a
plain-text port when no TLS port answers; it does not stop a stream that
offers no ``<starttls/>``: slixmpp then goes straight on to SASL and
resource binding in cleartext (ANONYMOUS and EXTERNAL even succeed). The
stream-feature loop (``ClientXMPP._handle_stream_features``, slixmpp 1.17)
runs only the handlers of features that are *present*, so a missing
``<starttls/>`` cannot be caught by a feature handler of our own.

:func:`require_tls` therefore installs an incoming filter, which sees every
stanza before any handler: while the stream is not encrypted, only what
negotiates TLS passes (stream features that offer STARTTLS, ``<proceed/>``,
``<failure/>``, stream errors). Features without STARTTLS are refused before
the SASL feature handler could run: no ``<auth/>``, no user name, no password
leaves the machine. Anything else a server (or someone on the path) slips in
before TLS -- a message, a roster push -- is dropped unseen.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import ssl
import sys
from pathlib import Path
from typing import Callable, Iterable, Mapping

import slixmpp
from slixmpp.stanza import StreamError, StreamFeatures

from ...text import sanitize_line

log = logging.getLogger(__name__)

TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"

# OpenSSL X509_V_ERR_* codes (ssl.SSLCertVerificationError.verify_code)
_NOT_YET_VALID = 9
_EXPIRED = 10
_SELF_SIGNED = {18, 19}
_UNKNOWN_ISSUER = {2, 20, 21}
_NAME_MISMATCH = {62, 64}  # host name, IP address


def tls_context(ca_file: Path | str | None = None) -> ssl.SSLContext:
    """What slixmpp verifies the server with: the system's trust anchors
    (host name checked, certificate required), plus ``ca_file`` if given.
    Made once per account and off the loop (reading the system's anchors
    takes tens of milliseconds); slixmpp's own default reads them twice.
    Where the system keeps its anchors in a hashed directory too, they are
    taken from there, as a chain needs them (:func:`anchors_directory`)."""
    directory = anchors_directory()
    # CERT_REQUIRED, check_hostname; the default anchors unless a directory is named
    context = ssl.create_default_context(capath=directory) if directory else ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))  # in addition to the system store
    return context


# A certificate's link in a hashed directory: its subject's hash, "." and a
# number (c_rehash, update-ca-certificates, p11-kit's extract)
_HASHED = re.compile(r"[0-9a-f]{8}\.[0-9]+")


def anchors_directory(environ: Mapping[str, str] = os.environ,
                      paths: ssl.DefaultVerifyPaths | None = None) -> str | None:
    """The system's trust anchors as a hashed directory (Debian's
    /etc/ssl/certs): OpenSSL then reads the certificate of a chain's issuer
    when a handshake needs it, where the default reads the system's whole
    bundle file into the heap first (~150 certificates on Debian: 1.1 MiB
    of RSS for as long as the process lives, 20 ms of CPU at every start).
    Only where the directory and the file are the system's own (OpenSSL's
    defaults; SSL_CERT_FILE and SSL_CERT_DIR unset or naming them), which
    update-ca-certificates writes from the same anchors. None: the defaults
    (anchors chosen by the environment, a system whose directory is not
    hashed — Fedora's holds only the bundle —, not Linux)."""
    if sys.platform != "linux":
        return None
    paths = paths or ssl.get_default_verify_paths()
    for variable, system in ((paths.openssl_cafile_env, paths.openssl_cafile),
                             (paths.openssl_capath_env, paths.openssl_capath)):
        chosen = environ.get(variable)
        if chosen and os.path.realpath(chosen) != os.path.realpath(system):
            return None
    directory = paths.openssl_capath
    try:
        with os.scandir(directory) as entries:
            if any(_HASHED.fullmatch(entry.name) for entry in entries):
                return directory
    except OSError:
        pass
    return None


# Contexts started ahead (start-up), taken by made_context().
_ahead: dict[str | None, asyncio.Future[ssl.SSLContext]] = {}


def make_ahead(ca_files: Iterable[Path | str | None]) -> None:
    """Start making a context for each of ``ca_files`` in a thread, now:
    OpenSSL reads the trust anchors without holding the interpreter, so
    start-up imports the rest meanwhile (tui/launch.py)."""
    loop = asyncio.get_running_loop()
    for ca_file in ca_files:
        key = str(ca_file) if ca_file is not None else None
        if key not in _ahead or _ahead[key].get_loop() is not loop:  # (one left by an earlier loop)
            _ahead[key] = loop.run_in_executor(None, tls_context, ca_file)


async def made_context(ca_file: Path | str | None) -> ssl.SSLContext:
    """A context for ``ca_file``: the one made ahead if any (each is taken
    once), else one made now in a thread."""
    ahead = _ahead.pop(str(ca_file) if ca_file is not None else None, None)
    if ahead is not None and ahead.get_loop() is asyncio.get_running_loop():
        return await ahead
    return await asyncio.to_thread(tls_context, ca_file)


def is_encrypted(xmpp: slixmpp.ClientXMPP) -> bool:
    transport = xmpp.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


def require_tls(xmpp: slixmpp.ClientXMPP, refuse: Callable[[], None]) -> None:
    """Let nothing but TLS negotiation through an unencrypted stream; call
    ``refuse()`` (which should say so and drop the connection) when the
    server's stream features offer no STARTTLS."""

    def only_tls_negotiation(stanza):
        if is_encrypted(xmpp):
            return stanza
        if isinstance(stanza, StreamFeatures):
            if xmpp.enable_starttls and "starttls" in stanza["features"]:
                return stanza  # the STARTTLS feature handler runs first and stops there
            log.warning("stream features without STARTTLS: %s", stanza)
            refuse()
            return None
        if stanza.xml.tag.startswith(f"{{{TLS_NS}}}") or isinstance(stanza, StreamError):
            return stanza
        log.warning("dropped before TLS: %s", stanza.xml.tag)
        return None

    xmpp.add_filter("in", only_tls_negotiation)


def no_tls_reason(server: str) -> str:
    return (f"server {server} offered no TLS (no STARTTLS): not logging in over an "
            "unencrypted connection; not retrying")


def certificate_reason(error: BaseException, domain: str) -> str:
    """One line telling apart why the certificate of ``domain`` was refused."""
    code = getattr(error, "verify_code", None)
    detail = sanitize_line(str(getattr(error, "verify_message", None)
                               or getattr(error, "reason", None) or error))
    if code == _EXPIRED:
        return f"certificate of {domain} has expired; not retrying"
    if code == _NOT_YET_VALID:
        return f"certificate of {domain} is not valid yet (is this machine's clock right?); not retrying"
    if code in _NAME_MISMATCH:
        return f"certificate presented for {domain} names another host (host name mismatch); not retrying"
    if code in _SELF_SIGNED:
        why = "self-signed"
    elif code in _UNKNOWN_ISSUER:
        why = "unknown issuer"
    elif isinstance(error, ssl.SSLCertVerificationError):
        why = detail
    else:
        return f"TLS with {domain} failed ({detail}); not retrying"
    return (f"certificate of {domain} not trusted ({why}); not retrying — "
            "set ca_file if you trust this server")
