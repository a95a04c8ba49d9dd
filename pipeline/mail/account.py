"""The office mailbox: its settings (`[mail]` in nastavnik.toml), its password (never in the
file) and the two connections, with every refusal told in one Russian line."""

from __future__ import annotations

import contextlib
import imaplib
import os
import smtplib
import socket
import ssl
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.paths import SETTINGS_FILE
from pipeline.russian import os_error

SECURITY = ("ssl", "starttls", "plain")
DEFAULT_PORTS = {"imap": {"ssl": 993, "starttls": 143, "plain": 143},
                 "smtp": {"ssl": 465, "starttls": 587, "plain": 25}}
PASSWORD_ENV = "NASTAVNIK_MAIL_PASSWORD"
KEYRING_SERVICE = "nastavnik"
TIMEOUT = 30  # seconds: a server that does not answer is told as unreachable


class MailError(UserError):
    """The mailbox cannot be used as set: the message is Russian and says what to do."""


class WrongPassword(MailError):
    """The server refused the password: a kept one is forgotten, so the next command asks."""


@dataclass(frozen=True)
class Server:
    kind: str  # imap, smtp
    host: str
    port: int
    security: str

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def section(self) -> str:
        return f"[mail.{self.kind}]"


@dataclass(frozen=True)
class MailSettings:
    user: str
    imap: Server | None
    smtp: Server | None
    folder: str = "INBOX"
    sender_name: str = ""
    sender: str = ""  # the From address; the user's by default
    password_env: str = PASSWORD_ENV
    cafile: str = ""  # certificates to trust besides the system's (a municipal server's own)
    # what `mail fetch` does to a message it took: nothing, mark it read, or move it there
    mark_seen: bool = False
    move_to: str = ""
    timeout: float = TIMEOUT

    @property
    def mailbox(self) -> str:
        """The folder as the ledger remembers it."""
        host = self.imap.host if self.imap else ""
        return f"{self.user}@{host}/{self.folder}"

    @property
    def from_address(self) -> str:
        return self.sender or self.user


def load_mail_settings(root: Path) -> MailSettings:
    """The workspace's `[mail]` settings; a Russian MailError says what is missing."""
    path = Path(root) / SETTINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MailError(f"{path}: не удаётся прочитать настройки — исправьте файл") from exc
    mail = data.get("mail")
    if not isinstance(mail, dict) or not mail.get("user"):
        raise MailError(f"в {path} нет раздела [mail] с адресом почтового ящика (user) — "
                        "раскройте пример в конце этого файла (уберите «# » в начале строк) и "
                        "впишите ящик управления; подробнее — README, раздел «Почта»")

    def text(key: str, default: str = "") -> str:
        value = mail.get(key, default)
        if not isinstance(value, str):
            raise MailError(f"{path}: в разделе [mail] {key} должен быть строкой в кавычках")
        return value.strip()

    try:
        timeout = float(mail.get("timeout", TIMEOUT))
    except (TypeError, ValueError) as exc:
        raise MailError(f"{path}: в разделе [mail] timeout должен быть числом секунд") from exc
    return MailSettings(
        user=text("user"), imap=_server(path, mail, "imap"), smtp=_server(path, mail, "smtp"),
        folder=text("folder", "INBOX") or "INBOX", sender_name=text("sender_name"),
        sender=text("sender"), password_env=text("password_env", PASSWORD_ENV) or PASSWORD_ENV,
        cafile=text("cafile"), mark_seen=bool(mail.get("mark_seen", False)),
        move_to=text("move_to"), timeout=timeout)


def _server(path: Path, mail: dict[str, Any], kind: str) -> Server | None:
    table = mail.get(kind)
    if table is None:
        return None
    section = f"[mail.{kind}]"
    if not isinstance(table, dict) or not isinstance(table.get("host"), str) \
            or not table["host"].strip():
        raise MailError(f"{path}: в разделе {section} не указан сервер (host)")
    security = str(table.get("security", "ssl")).strip().lower()
    if security not in SECURITY:
        raise MailError(f"{path}: в разделе {section} security = «{security}» — укажите ssl, "
                        "starttls или plain (plain — только для проверочного сервера)")
    try:
        port = int(table.get("port", DEFAULT_PORTS[kind][security]))
    except (TypeError, ValueError) as exc:
        raise MailError(f"{path}: в разделе {section} port должен быть числом") from exc
    return Server(kind, table["host"].strip(), port, security)


# --- the password ---------------------------------------------------------------------------

def _keyring() -> Any:
    """The system keyring, or None where the system has none (a server without a desktop)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend is no keyring
        return None
    return None if isinstance(backend, fail.Keyring) else keyring


def password(settings: MailSettings, ask: Callable[[str], str] | None = None
             ) -> tuple[str, str]:
    """The mailbox's password and where it came from (env, keyring, asked): the environment
    variable first, then the system keyring; else `ask` (once), kept in the keyring if there is
    one."""
    found = os.environ.get(settings.password_env)
    if found:
        return found, "env"
    ring = _keyring()
    if ring is not None:
        with contextlib.suppress(Exception):
            kept = ring.get_password(KEYRING_SERVICE, settings.user)
            if kept:
                return kept, "keyring"
    if ask is None:
        raise MailError(f"пароль почтового ящика {settings.user} не задан — задайте его в "
                        f"переменной окружения {settings.password_env} или запустите команду в "
                        "окне терминала, чтобы ввести его")
    given = ask(f"Пароль почтового ящика {settings.user}")
    if ring is not None:
        with contextlib.suppress(Exception):
            ring.set_password(KEYRING_SERVICE, settings.user, given)
            return given, "asked-kept"
    return given, "asked"


def forget_password(settings: MailSettings) -> None:
    """Drop a kept password the server refused, so that the next command asks again."""
    ring = _keyring()
    if ring is not None:
        with contextlib.suppress(Exception):
            ring.delete_password(KEYRING_SERVICE, settings.user)


# --- connections ----------------------------------------------------------------------------

def _context(settings: MailSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=settings.cafile or None)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"не удаётся прочитать сертификаты из {settings.cafile} (cafile в "
                        "разделе [mail]) — проверьте путь к файлу") from exc


def refusal(server: Server, exc: BaseException, user: str = "") -> MailError:
    """One Russian line for why `server` could not be used."""
    where = f"{server.where} ({server.section} в nastavnik.toml)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(f"сертификат почтового сервера {where} не подтверждён — проверьте "
                         "адрес сервера; для сервера управления со своим сертификатом укажите "
                         "его в cafile раздела [mail]")
    if isinstance(exc, ssl.SSLError | _NoTls):
        return MailError(f"почтовый сервер {where} не установил защищённое соединение — "
                         "проверьте порт и security (ssl — обычно порт 993 или 465, "
                         "starttls — 143 или 587)")
    if isinstance(exc, imaplib.IMAP4.error | smtplib.SMTPAuthenticationError):
        return WrongPassword(f"почтовый сервер {server.host} не принял пароль ящика {user} — "
                         f"проверьте пароль (для Яндекса и Mail.ru нужен пароль приложения) "
                         "и запустите команду снова")
    if isinstance(exc, socket.gaierror):
        return MailError(f"почтовый сервер {server.host} не найден — проверьте host в "
                         f"{server.section} и подключение к интернету")
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailError(f"почтовый сервер {where} не отвечает — проверьте подключение к "
                         "интернету и запустите команду позже")
    if isinstance(exc, ConnectionRefusedError):
        return MailError(f"почтовый сервер {where} недоступен: соединение отклонено — "
                         "проверьте адрес и порт")
    if isinstance(exc, OSError) and exc.errno:
        return MailError(f"почтовый сервер {where} недоступен ({os_error(exc)}) — проверьте "
                         "адрес, порт и подключение к интернету")
    return MailError(f"почтовый сервер {where} прервал соединение — запустите команду "
                     "позже")


class _NoTls(Exception):
    """The server offers no STARTTLS where the settings ask for it."""


@contextlib.contextmanager
def imap(settings: MailSettings, secret: str) -> Iterator[imaplib.IMAP4]:
    """A logged-in IMAP connection; closed (logged out) at the end."""
    server = settings.imap
    if server is None:
        raise MailError("в nastavnik.toml нет раздела [mail.imap] с сервером входящей почты — "
                        "добавьте его (пример — в конце этого файла и в README, раздел «Почта»)")
    try:
        if server.security == "ssl":
            conn = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=_context(settings),
                                     timeout=settings.timeout)
        else:
            conn = imaplib.IMAP4(server.host, server.port, timeout=settings.timeout)
            if server.security == "starttls":
                if "STARTTLS" not in conn.capabilities:
                    raise _NoTls()
                conn.starttls(ssl_context=_context(settings))
        if secret.isascii():
            conn.login(settings.user, secret)
        else:  # LOGIN takes ASCII only; AUTHENTICATE PLAIN carries UTF-8 (RFC 4616)
            token = f"\0{settings.user}\0{secret}".encode()
            conn.authenticate("PLAIN", lambda _challenge: token)
    except MailError:
        raise
    except (OSError, ssl.SSLError, imaplib.IMAP4.error, _NoTls) as exc:
        raise refusal(server, exc, settings.user) from exc
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.logout()


@contextlib.contextmanager
def smtp(settings: MailSettings, secret: str | None) -> Iterator[smtplib.SMTP]:
    """A connected SMTP session, logged in when the server asks for it; closed at the end."""
    server = settings.smtp
    if server is None:
        raise MailError("в nastavnik.toml нет раздела [mail.smtp] с сервером исходящей почты — "
                        "добавьте его (пример — в конце этого файла и в README, раздел «Почта»)")
    try:
        if server.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port,
                                                  context=_context(settings),
                                                  timeout=settings.timeout)
        else:
            conn = smtplib.SMTP(server.host, server.port, timeout=settings.timeout)
            if server.security == "starttls":
                conn.ehlo()
                if not conn.has_extn("starttls"):
                    raise _NoTls()
                conn.starttls(context=_context(settings))
        conn.ehlo()
        if secret is not None and conn.has_extn("auth"):
            _smtp_login(conn, settings.user, secret)
    except MailError:
        raise
    except (OSError, ssl.SSLError, smtplib.SMTPException, _NoTls) as exc:
        raise refusal(server, exc, settings.user) from exc
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.quit()


def _smtp_login(conn: smtplib.SMTP, user: str, secret: str) -> None:
    """smtplib's login takes ASCII only; a password with Cyrillic letters goes as AUTH PLAIN
    in UTF-8 (RFC 4616), as mail programs send it."""
    if secret.isascii():
        conn.login(user, secret)
        return
    import base64

    token = base64.b64encode(f"\0{user}\0{secret}".encode()).decode()
    code, answer = conn.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)
