"""The mail test infrastructure works with the stdlib alone: the real Dovecot and aiosmtpd
servers (tests/mailservers.py) and the messages Russian mail clients write
(tests/mailcorpus.py)."""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import imaplib
import io
import smtplib
import socket
import ssl
import zipfile
from email.message import EmailMessage

import mailcorpus as mc
import pytest

pytest.register_assert_rewrite("mailservers")  # it is also the plugin below
from mailservers import (  # noqa: E402
    ImapServer,
    SmtpServer,
    client_context,
    unreachable_port,
)

MSK = dt.timezone(dt.timedelta(hours=3))
SENT = dt.datetime(2026, 11, 28, 14, 5, tzinfo=MSK)
SCHOOL = "school7@mail.ru"
SUBJECT = "Отчёт о наставничестве за ноябрь"
FORM = b"PK\x03\x04 the form's bytes"  # the transport never looks inside
NAMES = ("Отчёт ОО-07.xlsx",
         "Отчёт о наставничестве МБОУ «Средняя общеобразовательная школа № 7» ноябрь 2026.xlsx")


# --- IMAP -----------------------------------------------------------------------------------
def test_imap_login_over_starttls_and_ssl_with_the_cafile(imap: ImapServer) -> None:
    plain = imaplib.IMAP4(imap.host, imap.port, timeout=10)
    assert "STARTTLS" in plain.capabilities
    plain.starttls(client_context(imap.cafile))
    assert plain.login(imap.user, imap.password)[0] == "OK"
    plain.logout()
    secure = imaplib.IMAP4_SSL(imap.host, imap.ssl_port, ssl_context=client_context(imap.cafile),
                               timeout=10)
    assert secure.login(imap.user, imap.password)[0] == "OK"
    secure.logout()


def test_imap_refuses_a_wrong_password(imap: ImapServer) -> None:
    client = imaplib.IMAP4_SSL(imap.host, imap.ssl_port, ssl_context=client_context(imap.cafile),
                               timeout=10)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.login(imap.user, imap.wrong_password)


def test_imap_certificate_is_refused_without_the_cafile(imap: ImapServer) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(imap.host, imap.ssl_port, ssl_context=ssl.create_default_context(),
                          timeout=10)


@pytest.mark.parametrize("client", sorted(mc.CLIENTS))
def test_a_delivered_message_comes_back_byte_identical(imap: ImapServer, client: str) -> None:
    raw = mc.CLIENTS[client](SCHOOL, SUBJECT, SENT, [(NAMES[0], FORM)])
    imap.create_folder("Отчёты школ")
    uid = imap.deliver(raw, folder="Отчёты школ", date=SENT)
    stored = imap.messages("Отчёты школ")
    assert [(m.uid, m.raw, m.flags) for m in stored] == [(uid, raw, ())]
    # Maildir keeps the time, not the zone: Dovecot answers in UTC
    assert dt.datetime.strptime(stored[0].internaldate, "%d-%b-%Y %H:%M:%S %z") == SENT
    assert imap.messages() == []  # INBOX untouched


def test_reading_the_mailbox_does_not_change_it_and_reset_empties_it(imap: ImapServer) -> None:
    imap.deliver(mc.thunderbird(SCHOOL, SUBJECT, SENT), flags=r"\Flagged")
    before = imap.messages()
    assert before == imap.messages()
    assert before[0].flags == (r"\Flagged",)  # not \Seen: nothing read it for real
    imap.create_folder("Архив/2026")
    imap.reset()
    assert imap.messages() == []
    assert imap.folders() == ["INBOX"]


# --- SMTP -----------------------------------------------------------------------------------
def feedback(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Управление образования <nastavnik@uo-gorod.example.ru>"
    message["To"] = to
    message["Subject"] = "Отчёт принят: 2 ошибки, 1 предупреждение"
    message.set_content("Исправьте ошибки до 5 декабря.")
    message.add_attachment(FORM, maintype="application", subtype="octet-stream",
                           filename=NAMES[0])
    return message


def test_smtp_receives_over_starttls_with_login(smtp_server: SmtpServer) -> None:
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.starttls(context=client_context(smtp_server.cafile))
        client.login(smtp_server.user, smtp_server.password)
        client.send_message(feedback(SCHOOL))
    [envelope] = smtp_server.received
    assert envelope.rcpt_tos == (SCHOOL,)
    [received] = smtp_server.messages
    assert received["Subject"] == "Отчёт принят: 2 ошибки, 1 предупреждение"
    [attachment] = received.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content()) == (NAMES[0], FORM)


def test_smtp_over_implicit_tls_and_plain_auth_without_tls(smtp_server: SmtpServer) -> None:
    with smtplib.SMTP_SSL(smtp_server.host, smtp_server.ssl_port, timeout=10,
                          context=client_context(smtp_server.cafile)) as client:
        client.login(smtp_server.user, smtp_server.password)
        client.send_message(feedback(SCHOOL))
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.login(smtp_server.user, smtp_server.password)  # a local test server's setting
        client.send_message(feedback("school8@yandex.ru"))
    assert [m["To"] for m in smtp_server.messages] == [SCHOOL, "school8@yandex.ru"]


def test_smtp_refuses_a_wrong_password(smtp_server: SmtpServer) -> None:
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client, \
            pytest.raises(smtplib.SMTPAuthenticationError):
        client.login(smtp_server.user, smtp_server.wrong_password)


def test_smtp_refuses_a_chosen_recipient_and_then_all_mail(smtp_server: SmtpServer) -> None:
    smtp_server.refuse("school8@yandex.ru")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.login(smtp_server.user, smtp_server.password)
        client.send_message(feedback(SCHOOL))
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(feedback("school8@yandex.ru"))
        assert refused.value.recipients["school8@yandex.ru"][0] == 550
        smtp_server.refuse_all = True
        with pytest.raises(smtplib.SMTPSenderRefused):
            client.send_message(feedback(SCHOOL))
    assert [m["To"] for m in smtp_server.messages] == [SCHOOL]


def test_an_unreachable_port_refuses_connections() -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", unreachable_port()), timeout=5)


# --- the clients' messages ------------------------------------------------------------------
@pytest.mark.parametrize("client", sorted(mc.CLIENTS))
def test_the_stdlib_parser_gets_the_cyrillic_names_back(client: str) -> None:
    zip_name = "Формы за ноябрь.zip"
    archive = mc.zipped([(NAMES[0], FORM)])
    raw = mc.CLIENTS[client](SCHOOL, SUBJECT, SENT,
                             [(NAMES[0], FORM), (NAMES[1], FORM), (zip_name, archive),
                              ("Скан приказа.pdf", mc.PDF)])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT
    assert parsed["From"].addresses[0].addr_spec == SCHOOL
    assert [(p.get_filename(), p.get_content()) for p in parsed.iter_attachments()] == [
        (NAMES[0], FORM), (NAMES[1], FORM), (zip_name, archive), ("Скан приказа.pdf", mc.PDF)]
    assert "отчёт о наставничестве" in parsed.get_body(("plain",)).get_content()


@pytest.mark.parametrize("client", ["outlook", "mailru_web"])
def test_legacy_parser_needs_decode_header_for_names_encoded_in_the_parameter(client: str) -> None:
    raw = mc.CLIENTS[client](SCHOOL, SUBJECT, SENT, [(NAMES[1], FORM)])
    legacy = email.message_from_bytes(raw)  # compat32, the stdlib's default policy
    [name] = [part.get_filename() for part in legacy.walk() if part.get_filename()]
    assert name.startswith("=?")  # left encoded: a reader must decode it (mailcorpus docstring)
    assert str(email.header.make_header(email.header.decode_header(name))) == NAMES[1]
    assert str(email.header.make_header(email.header.decode_header("plain.xlsx"))) \
        == "plain.xlsx"


def test_outlook_can_write_koi8_r_and_no_attachment_means_no_mixed_part() -> None:
    raw = mc.outlook(SCHOOL, SUBJECT, SENT, [("Отчёт.xlsx", FORM)], charset="koi8-r")
    assert b"=?koi8-r?B?" in raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert [p.get_filename() for p in parsed.iter_attachments()] == ["Отчёт.xlsx"]
    for client in mc.CLIENTS.values():
        bare = email.message_from_bytes(client(SCHOOL, "Вопрос", SENT), policy=email.policy.default)
        assert list(bare.iter_attachments()) == []
        assert bare.get_body(("plain",)) is not None


def test_thunderbird_splits_a_long_name_by_rfc_2231() -> None:
    raw = mc.thunderbird(SCHOOL, SUBJECT, SENT, [(NAMES[1], FORM)])
    assert b"filename*0*=UTF-8''%D0%9E" in raw and b"filename*1*=" in raw


def test_a_forwarded_message_holds_the_form_inside() -> None:
    original = mc.outlook(SCHOOL, SUBJECT, SENT, [(NAMES[0], FORM)])
    raw = mc.forwarded("secretary@school7.ru", SUBJECT, SENT, original)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    [inner_part] = [p for p in parsed.walk() if p.get_content_type() == "message/rfc822"]
    [inner] = inner_part.iter_parts()
    assert [(p.get_filename(), p.get_content()) for p in inner.iter_attachments()] \
        == [(NAMES[0], FORM)]


def test_zip_names_as_7zip_and_as_windows_write_them() -> None:
    files = [("Форма ОО-07.xlsx", FORM), ("Форма ОО-08.xlsx", FORM)]
    seven = zipfile.ZipFile(io.BytesIO(mc.zipped(files)))
    assert [(i.filename, bool(i.flag_bits & 0x800)) for i in seven.infolist()] \
        == [(name, True) for name, _ in files]
    windows = mc.zipped(files, names="cp866")
    assert [bool(i.flag_bits & 0x800) for i in zipfile.ZipFile(io.BytesIO(windows)).infolist()] \
        == [False, False]
    assert zipfile.ZipFile(io.BytesIO(windows)).namelist()[0] != files[0][0]  # cp437 mojibake
    readable = zipfile.ZipFile(io.BytesIO(windows), metadata_encoding="cp866")
    assert [(n, readable.read(n)) for n in readable.namelist()] == files
