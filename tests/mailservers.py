"""Real mail servers for the mail tests: a private Dovecot (IMAP) and an aiosmtpd SMTP server.

Nothing here mocks a client library: `nastavnik mail fetch` talks IMAP to a real Dovecot that
the test session starts from Debian's package (`dovecot-imapd`, which `.ci/run` installs), and
`mail send` talks SMTP to aiosmtpd in the test process. Both speak plain, STARTTLS and implicit
TLS with one self-signed certificate; a client trusts it through `cafile`.

Fixtures (import them into a test module or conftest.py):
- `imap_server`: session scope, one Dovecot per test process (xdist worker);
- `imap`: the same server with the user's mailbox emptied first, for independent tests;
- `smtp_server`: function scope, a fresh SMTP server that keeps what it receives.
`unreachable_port()` gives a localhost port that nothing listens on.

Dovecot was chosen over pymap (a Python IMAP server): it is the server schools' mail providers
actually run, it is one `apt-get install` on a clean Debian/Ubuntu CI machine and starts in a
fraction of a second; pymap is a young project whose edge cases (literal handling, encodings)
would be the thing under test instead of our client.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import getpass
import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NoReturn

import pytest

HOST = "127.0.0.1"
USER = "metodist"
PASSWORD = "Nastavnik-2026"  # ASCII: imaplib's LOGIN sends ASCII only, as mail.ru app passwords are
WRONG_PASSWORD = "not-the-password"
START_TIMEOUT = 15.0  # seconds; Dovecot starts in well under one on a loaded 2-core machine


def unavailable(reason: str) -> NoReturn:
    """Skip a test whose system part is missing; in CI (`CI=true`) fail it instead, so that a
    broken CI image cannot pass by skipping every mail test."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def unreachable_port() -> int:
    """A localhost port that nothing listens on (the kernel just gave it out and took it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


free_port = unreachable_port  # a port free now, for a server to take


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None,
                  timeout: float = START_TIMEOUT) -> bool:
    """Whether `port` accepts a connection within `timeout` while `process` runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


# --- the certificate ----------------------------------------------------------------------------
def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 and its key, as PEM files.

    `cryptography` is there through msoffcrypto-tool (the test extra); no `openssl` CLI needed."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def client_context(cafile: Path | str | None) -> ssl.SSLContext:
    """What a careful client uses: verify the server against `cafile` (None: the system's)."""
    return ssl.create_default_context(cafile=str(cafile) if cafile else None)


# --- IMAP: Dovecot ------------------------------------------------------------------------------
def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): «Входящие/Формы» → `&BBIERQ...`."""
    out, run = [], []

    def flush() -> None:
        if run:
            import base64
            data = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + data.replace("/", ",") + "-")
            run.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            run.append(char)
    flush()
    return "".join(out)


def quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends arguments as they are)."""
    encoded = imap_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class StoredMessage:
    """One message as the mailbox holds it: its UID, exact bytes, flags and INTERNALDATE."""

    uid: int
    raw: bytes
    flags: tuple[str, ...]
    internaldate: str


FETCH_HEAD = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)|INTERNALDATE \"([^\"]+)\"")


@dataclass
class ImapServer:
    """A private Dovecot: plain IMAP with STARTTLS on `port`, IMAPS on `ssl_port`."""

    root: Path
    port: int
    ssl_port: int
    cafile: Path
    process: subprocess.Popen[bytes] | None = None
    host: str = HOST
    user: str = USER
    password: str = PASSWORD
    wrong_password: str = WRONG_PASSWORD

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def connect(self) -> imaplib.IMAP4:
        """A logged-in stdlib client over STARTTLS (what the helpers below use)."""
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.starttls(client_context(self.cafile))
        client.login(self.user, self.password)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX", date: dt.datetime | None = None,
                flags: str = "") -> int:
        """Put `raw` in `folder` by IMAP APPEND, byte for byte; its UID. `date` is the
        INTERNALDATE (a naive one is local time, imaplib's rule); default: now."""
        with self.session() as client:
            when = imaplib.Time2Internaldate(date or time.time())
            status, data = client.append(quoted(folder), f"({flags})" if flags else None,
                                         when, raw)
            assert status == "OK", data
            found = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            return int(found.group(1)) if found else 0

    def create_folder(self, name: str) -> None:
        with self.session() as client:
            status, data = client.create(quoted(name))
            assert status == "OK", data

    def folders(self) -> list[str]:
        """The user's folders, names as the server sends them (modified UTF-7)."""
        with self.session() as client:
            return list_folders(client)

    def messages(self, folder: str = "INBOX") -> list[StoredMessage]:
        """Every message in `folder` with its flags, read without changing them (EXAMINE and
        BODY.PEEK), in UID order: compare before and after to prove the mailbox is untouched."""
        with self.session() as client:
            status, data = client.select(quoted(folder), readonly=True)
            assert status == "OK", data
            if int(data[0] or 0) == 0:
                return []
            status, data = client.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
            assert status == "OK", data
        found = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            uid = flags = internaldate = None
            for match in FETCH_HEAD.finditer(item[0]):
                uid = int(match.group(1)) if match.group(1) else uid
                flags = match.group(2) if match.group(2) is not None else flags
                internaldate = match.group(3) or internaldate
            # \Recent belongs to a session, not to the message: the next session loses it
            kept = tuple(flag for flag in (flags or b"").decode().split() if flag != "\\Recent")
            found.append(StoredMessage(int(uid or 0), item[1], kept,
                                       (internaldate or b"").decode()))
        return sorted(found, key=lambda message: message.uid)

    def reset(self) -> None:
        """An empty INBOX and no other folder: each test starts from a clean mailbox."""
        with self.session() as client:
            # children before their parents
            for name in sorted(list_folders(client), key=len, reverse=True):
                if name.upper() != "INBOX":
                    client.delete(f'"{name}"')
            _status, count = client.select("INBOX")
            if int(count[0] or 0):
                client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                client.expunge()

    @contextlib.contextmanager
    def session(self) -> Iterator[imaplib.IMAP4]:
        client = self.connect()
        try:
            yield client
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\) (?:"[^"]*"|NIL) "?(?P<name>.*?)"?$')


def list_folders(client: imaplib.IMAP4) -> list[str]:
    """Folder names from LIST, in modified UTF-7 as the server sends them; «/» separates."""
    status, data = client.list()
    assert status == "OK", data
    return [LIST_LINE.match(line).group("name").decode()  # type: ignore[union-attr]
            for line in data if isinstance(line, bytes)]


def dovecot_binary() -> str | None:
    # /usr/sbin is not on a normal user's PATH
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


def dovecot_config(root: Path, port: int, ssl_port: int, cert: Path, key: Path) -> str:
    """A Dovecot configuration that uses nothing outside `root` (no /etc/dovecot, /var/run)."""
    if os.geteuid() == 0:
        # Dovecot never opens mail as root: the mailbox belongs to the package's `dovecot` user
        # (or `nobody`), and UIDs below 500 must be allowed for that.
        account = next((name for name in ("dovecot", "nobody") if _uid(name) is not None), None)
        if account is None:
            unavailable("neither a `dovecot` nor a `nobody` user exists to own the test mailbox")
        identity = (f"mail_uid = {account}\nmail_gid = {pwd.getpwnam(account).pw_gid}\n"
                    "first_valid_uid = 1\nfirst_valid_gid = 1\n")
        login_chroot = anvil = ""
    else:
        # As a normal user Dovecot runs every process as that user and cannot chroot.
        me = getpass.getuser()
        group = grp.getgrgid(os.getgid()).gr_name
        identity = (f"default_login_user = {me}\ndefault_internal_user = {me}\n"
                    f"default_internal_group = {group}\n")
        login_chroot = "  chroot =\n"
        anvil = "  chroot =\n"
    return f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {HOST}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
{identity}mail_location = maildir:{root}/mail/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
  default_fields = home={root}/mail
}}
service imap-login {{
{login_chroot}  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {ssl_port}
    ssl = yes
  }}
}}
# No auth penalty (2 to 15 s of delay for an address after a wrong password, which tests send
# on purpose): the auth process finds no penalty socket it may open and skips the penalty.
service anvil {{
{anvil}  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
"""


def _uid(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def start_dovecot(root: Path) -> ImapServer:
    """Start a private Dovecot in `root` on two free ports and wait until both accept."""
    binary = dovecot_binary()
    if binary is None:
        unavailable("Dovecot is not installed (Debian package dovecot-imapd): the IMAP tests "
                    "need a real server; `apt-get install dovecot-imapd`")
    cert, key = make_certificate(root)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:::::\n", encoding="utf-8")
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        root.chmod(0o711)  # the mail and auth processes are not root and must reach their files
        account = "dovecot" if _uid("dovecot") is not None else "nobody"
        shutil.chown(root / "mail", account, pwd.getpwnam(account).pw_gid)
    for _attempt in range(3):  # another process may take a free port before Dovecot binds it
        port, ssl_port = free_port(), free_port()
        config = root / "dovecot.conf"
        config.write_text(dovecot_config(root, port, ssl_port, cert, key), encoding="utf-8")
        with (root / "dovecot.out").open("ab") as out:
            process = subprocess.Popen([binary, "-F", "-c", str(config)], stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        server = ImapServer(root, port, ssl_port, cert, process)
        if wait_for_port(port, process) and wait_for_port(ssl_port, process):
            return server
        server.stop()
    output = (root / "dovecot.out").read_text(errors="replace") + server.log
    unavailable(f"Dovecot did not start: {output.strip()[-2000:]}")


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """One private Dovecot for the test process, stopped at the end."""
    root = Path(tempfile.mkdtemp(prefix="nastavnik-dovecot-"))
    server = None
    try:
        server = start_dovecot(root)
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(imap_server: ImapServer) -> ImapServer:
    """The session's Dovecot with an empty mailbox."""
    imap_server.reset()
    return imap_server


# --- SMTP: aiosmtpd -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Envelope:
    """One message the SMTP server accepted: the envelope and the exact bytes of DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class SmtpServer:
    """aiosmtpd on `port` (plain, STARTTLS offered, AUTH allowed without TLS, as a local test
    server is set up) and on `ssl_port` (implicit TLS, like Mail.ru's and Yandex's 465).

    `refuse("addr")` makes RCPT TO of that address get 550; `refuse_all = True` refuses every
    message at MAIL FROM (as a server refuses a blocked sender). `received` keeps what arrived."""

    port: int
    ssl_port: int
    cafile: Path
    host: str = HOST
    user: str = USER
    password: str = PASSWORD
    wrong_password: str = WRONG_PASSWORD
    received: list[Envelope] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    refuse_all: bool = False
    # a message to one of these is answered 421 and the connection closed (a server going down)
    closing: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def messages(self) -> list[EmailMessage]:
        """The received messages parsed with `email.policy.default`, in order of arrival."""
        with self.lock:
            return [envelope.message for envelope in self.received]

    def refuse(self, address: str) -> None:
        self.refused.add(address.lower())

    # aiosmtpd handler hooks
    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.refuse_all:
            return "550 5.7.1 Sending refused by the test server"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if {a.lower() for a in envelope.rcpt_tos} & self.closing:
            return "421 4.3.0 Service shutting down, closing transmission channel"
        raw = envelope.original_content or envelope.content
        with self.lock:
            self.received.append(Envelope(envelope.mail_from, tuple(envelope.rcpt_tos), raw))
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = login == self.user and password == self.password
        if ok:
            self.logins.append(login)
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """A fresh SMTP server for one test, stopped after it."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        unavailable("aiosmtpd is not installed: `pip install -e '.[test]'`")
    cert, key = make_certificate(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    server = SmtpServer(free_port(), free_port(), cert)
    common = dict(hostname=HOST, authenticator=server.authenticate, auth_require_tls=False,
                  ready_timeout=START_TIMEOUT)
    plain = Controller(server, port=server.port, tls_context=tls, **common)
    implicit = Controller(server, port=server.ssl_port, ssl_context=tls, **common)
    plain.start()
    try:
        implicit.start()
        try:
            yield server
        finally:
            implicit.stop()
    finally:
        plain.stop()
