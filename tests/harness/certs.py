"""Per-run TLS material for the throwaway Prosody, made with the `openssl` CLI.

EC P-256 keys because they generate in milliseconds (RSA would cost ~100 ms
each). No pytest imports: the demo uses this module too.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

CA_DAYS = "2"  # long enough for any test run or demo, short enough to be obviously throwaway


@dataclass(frozen=True)
class CertificateAuthority:
    key_file: Path
    cert_file: Path


@dataclass(frozen=True)
class ServerCertificate:
    key_file: Path
    cert_file: Path
    ca: CertificateAuthority


def _openssl(*args: str | Path) -> None:
    result = subprocess.run(
        ["openssl", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def _ec_key(path: Path) -> None:
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path)
    path.chmod(0o600)


def make_ca(directory: Path | str, name: str = "ca", common_name: str = "Parlons test CA") -> CertificateAuthority:
    """Create a self-signed CA (key + cert) named `<name>.key` / `<name>.crt` in `directory`.

    Call it again with another name to get an unrelated CA, e.g. for a
    "certificate not trusted" test.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / f"{name}.key"
    cert = directory / f"{name}.crt"
    _ec_key(key)
    _openssl(
        "req", "-x509", "-new", "-key", key, "-out", cert, "-days", CA_DAYS, "-sha256",
        "-subj", f"/CN={common_name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )
    return CertificateAuthority(key_file=key, cert_file=cert)


def make_unrelated_ca(directory: Path | str) -> CertificateAuthority:
    """A CA that signed nothing the harness server presents."""
    return make_ca(directory, name="other-ca", common_name="Unrelated test CA")


def server_names(domain: str) -> list[str]:
    """Every host name the harness server answers for (all go in the SAN)."""
    return [domain, f"conference.{domain}", f"upload.{domain}", f"pubsub.{domain}"]


def make_server_cert(directory: Path | str, ca: CertificateAuthority, domain: str = "localhost", *,
                     names: list[str] | None = None, days: int = int(CA_DAYS)) -> ServerCertificate:
    """Create `<domain>.key` / `<domain>.crt` in `directory`, signed by `ca`.

    Named after the domain so Prosody's automatic certificate lookup would
    also find them; the generated config points at them explicitly anyway.
    Bad certificates for TLS tests: `names` replaces the host names in the
    SAN (e.g. ["example.org"]: the certificate is for another host; no IP
    entry then), a negative `days` makes one that expired (notAfter is that
    many days before it was made). Calling it again overwrites the files,
    so a server built with a good certificate can be given a bad one
    before it starts.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / f"{domain}.key"
    csr = directory / f"{domain}.csr"
    cert = directory / f"{domain}.crt"
    ext = directory / f"{domain}.ext"
    _ec_key(key)
    common_name = names[0] if names else domain
    _openssl("req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={common_name}")
    if names is None:
        san = ",".join([*(f"DNS:{name}" for name in server_names(domain)), "IP:127.0.0.1"])
    else:
        san = ",".join(f"DNS:{name}" for name in names)
    ext.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
        f"subjectAltName={san}\n"
    )
    _openssl(
        "x509", "-req", "-in", csr, "-CA", ca.cert_file, "-CAkey", ca.key_file,
        "-CAcreateserial", "-out", cert, "-days", str(days), "-sha256", "-extfile", ext,
    )
    csr.unlink()
    ext.unlink()
    return ServerCertificate(key_file=key, cert_file=cert, ca=ca)
