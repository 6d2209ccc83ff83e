"""tls_policy.anchors_directory: the system's trust anchors are read from its
hashed directory as a handshake needs them, not from its bundle file all at
once — and only where both are the system's own.

The handshakes run over a socket pair with the `openssl` CLI's certificates
(tests/harness/certs.py); "the system" is a bundle file and a hashed
directory of our own, handed to the code as OpenSSL's defaults."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.harness.certs import CertificateAuthority, make_ca, make_server_cert
from tui.xmpp.account.tls_policy import anchors_directory, tls_context


def _system(base: Path, *cas: CertificateAuthority) -> ssl.DefaultVerifyPaths:
    """A system whose anchors are ``cas``: a bundle file, and a directory
    of links named by their subject's hash, as update-ca-certificates writes."""
    base.mkdir()
    directory = base / "certs"
    directory.mkdir()
    bundle = base / "cert.pem"
    bundle.write_text("".join(ca.cert_file.read_text() for ca in cas))
    for ca in cas:
        digest = subprocess.run(["openssl", "x509", "-subject_hash", "-noout", "-in", str(ca.cert_file)],
                                capture_output=True, text=True, check=True).stdout.strip()
        (directory / f"{digest}.0").symlink_to(ca.cert_file)
    return ssl.DefaultVerifyPaths(str(bundle), str(directory), "SSL_CERT_FILE", str(bundle),
                                  "SSL_CERT_DIR", str(directory))


def _handshake(client: ssl.SSLContext, server_cert) -> None:
    """A TLS handshake with a server for "localhost" holding ``server_cert``."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(server_cert.cert_file, server_cert.key_file)
    ours, theirs = socket.socketpair()
    failures: list[BaseException] = []

    def serve() -> None:
        try:
            with server.wrap_socket(theirs, server_side=True):
                pass
        except (ssl.SSLError, OSError) as exc:  # the client refused us: its error is the one that counts
            failures.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with client.wrap_socket(ours, server_hostname="localhost"):
            pass
    finally:
        ours.close()
        thread.join(10)
        theirs.close()


def _subjects(context: ssl.SSLContext) -> list[str]:
    """The common names of the anchors ``context`` has read."""
    subjects: list[Any] = [cert["subject"] for cert in context.get_ca_certs()]
    return [value for subject in subjects for rdn in subject for key, value in rdn if key == "commonName"]


@pytest.fixture
def cas(tmp_path: Path):
    ours = make_ca(tmp_path / "ours")
    another = make_ca(tmp_path / "another", common_name="Another CA")
    return ours, another, make_server_cert(tmp_path / "server", ours)


@pytest.fixture
def system(monkeypatch):
    """Install a system of our own as OpenSSL's defaults, the environment naming none."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)

    def install(paths: ssl.DefaultVerifyPaths) -> None:
        monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)
    return install


def test_the_systems_anchors_are_read_as_a_handshake_needs_them(tmp_path, cas, system):
    ours, another, server_cert = cas
    paths = _system(tmp_path / "system", another, ours)
    system(paths)
    assert anchors_directory() == paths.openssl_capath

    context = tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert _subjects(context) == []  # nothing read before a handshake
    _handshake(context, server_cert)
    assert _subjects(context) == ["Parlons test CA"]  # the issuer it needed, and only it


def test_a_server_whose_issuer_is_not_among_the_systems_anchors_is_refused(tmp_path, cas, system):
    _ours, another, server_cert = cas
    system(_system(tmp_path / "system", another))
    context = tls_context()
    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        _handshake(context, server_cert)
    assert refused.value.verify_code == 20  # unable to get local issuer certificate


def test_the_ca_file_of_an_account_is_trusted_beside_the_systems_anchors(tmp_path, cas, system):
    ours, another, server_cert = cas
    system(_system(tmp_path / "system", another))
    context = tls_context(ours.cert_file)
    _handshake(context, server_cert)
    assert "Parlons test CA" in _subjects(context)


def test_anchors_the_environment_chose_or_an_unhashed_directory_keep_the_defaults(tmp_path, cas):
    ours, another, _server_cert = cas
    paths = _system(tmp_path / "system", ours)
    directory = paths.openssl_capath
    assert anchors_directory({}, paths) == directory
    # the system's own file and directory by other paths (Debian's
    # /usr/lib/ssl/cert.pem is a link to /etc/ssl/certs/ca-certificates.crt)
    (tmp_path / "file-link").symlink_to(paths.openssl_cafile)
    (tmp_path / "dir-link").symlink_to(directory)
    assert anchors_directory({"SSL_CERT_FILE": str(tmp_path / "file-link"),
                              "SSL_CERT_DIR": str(tmp_path / "dir-link")}, paths) == directory
    # a file or a directory of someone's choosing: they are the anchors
    assert anchors_directory({"SSL_CERT_FILE": str(another.cert_file)}, paths) is None
    assert anchors_directory({"SSL_CERT_DIR": str(tmp_path)}, paths) is None
    # a directory without hashed links (Fedora's holds only the bundle), or none
    unhashed = tmp_path / "unhashed"
    unhashed.mkdir()
    (unhashed / "ca-bundle.crt").write_text(ours.cert_file.read_text())
    assert anchors_directory({}, paths._replace(openssl_capath=str(unhashed))) is None
    assert anchors_directory({}, paths._replace(openssl_capath=str(tmp_path / "missing"))) is None
