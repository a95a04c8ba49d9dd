"""Messages as Russian mail clients really write them, as raw RFC 5322 bytes.

The headers are written by hand: the stdlib `email` package would "fix" them into the standard
form, and the point is the forms that are not standard but arrive every month.

- `outlook`: RFC 2047 encoded words *inside* the quoted `name`/`filename` parameters
  (`filename="=?windows-1251?B?...?="`). RFC 2047 §5 forbids it; Outlook, The Bat! and most web mail
  do it. How a reader gets the name back: `email.policy.default` (the modern parser) decodes
  such a name by itself, `part.get_filename()` gives «Отчёт ОО-07.xlsx»; the legacy
  `compat32` policy (what `email.message_from_bytes` uses when given no policy) returns the
  encoded words undecoded (`'=?windows-1251?B?zvL3uPIgzs4tMDcueGxzeA==?='`), and a reader on it
  must decode with `str(email.header.make_header(email.header.decode_header(name)))`, which
  leaves a plain name unchanged. tests/test_mailservers.py pins both.
- `thunderbird`: RFC 2231 (`filename*=UTF-8''%D0%9E...`), long names split into
  `filename*0*=...; filename*1*=...`; `get_filename()` decodes it by itself.
- `mailru_web`: Mail.ru's web mail: everything UTF-8 and base64, `application/octet-stream`,
  RFC 2047 in the quoted parameter like Outlook.
- `zipped`: a .zip as 7-Zip writes it (UTF-8 names, flag bit 11 set) or as Windows' built-in
  «Send to → Compressed folder» does (cp866 names, no flag: `zipfile` then reads them as cp437,
  a reader must use `zipfile.ZipFile(..., metadata_encoding="cp866")` or re-decode).
- `forwarded`: a message forwarded as an attachment (message/rfc822 part, Thunderbird's way).
A message with no attachment: any builder with `attachments=()`. Two forms: two attachments.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import io
import quopri
import zipfile
import zlib
from collections.abc import Sequence
from urllib.parse import quote

OFFICE = "nastavnik@uo-gorod.example.ru"
Attachment = tuple[str, bytes]

CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xls": "application/vnd.ms-excel",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/x-zip-compressed",  # Windows' type for .zip, as Outlook sends it
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
BODY = ("Добрый день!\nНаправляем отчёт о наставничестве за месяц.\n"
        "С уважением, заместитель директора")

# A one-page PDF, enough for a mail program to call it a PDF: an attachment that is not a form.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


# --- encodings, written out -----------------------------------------------------------------
def encoded_words(text: str, charset: str, chunk: int = 24) -> str:
    """`text` as RFC 2047 B-encoded words of at most `chunk` characters, space-separated (each
    word stays under RFC 2047's 75-character limit)."""
    return " ".join(f"=?{charset}?B?{base64.b64encode(text[i:i + chunk].encode(charset)).decode()}?="
                    for i in range(0, len(text), chunk)) if text else ""


def rfc2231(param: str, text: str, width: int = 60) -> str:
    """`param*=UTF-8''...`, or `param*0*=...;` `param*1*=...` lines when long, as Thunderbird
    writes them (never splitting a %XX triplet)."""
    encoded = quote(text.encode("utf-8"), safe="")
    if len(encoded) <= width:
        return f"{param}*=UTF-8''{encoded}"
    pieces, start = [], 0
    while start < len(encoded):
        end = min(start + width, len(encoded))
        while "%" in encoded[end - 2:end] and end < len(encoded):  # keep %XX whole
            end -= 1
        pieces.append(encoded[start:end])
        start = end
    return ";\r\n ".join(f"{param}*{n}*={'UTF-8' + chr(39) * 2 if n == 0 else ''}{piece}"
                         for n, piece in enumerate(pieces))


def base64_lines(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def quoted_printable(text: str, charset: str) -> str:
    data = text.replace("\n", "\r\n").encode(charset)
    return quopri.encodestring(data).decode("ascii").replace("\r\n", "\n").replace("\n", "\r\n")


def content_type(filename: str) -> str:
    dot = filename.rfind(".")
    return CONTENT_TYPES.get(filename[dot:].lower(), "application/octet-stream")


def multipart(kind: str, boundary: str, parts: Sequence[str], preamble: str = "") -> str:
    """A multipart entity (its header and body) from entities already written out."""
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    head = f'Content-Type: multipart/{kind};\r\n\tboundary="{boundary}"\r\n\r\n'
    return head + (preamble + "\r\n" if preamble else "") + body + f"--{boundary}--\r\n"


def message(headers: Sequence[tuple[str, str | None]], entity: str) -> bytes:
    """The message; a `Message-ID` given as None is made from the content (stable, unique)."""
    digest = zlib.crc32(repr((headers, entity)).encode("utf-8"))
    domain = next((value for name, value in headers if name == "From"), "") or ""
    domain = domain.rsplit("@", 1)[-1].rstrip(">") or "example.ru"
    head = "".join(f"{name}: {value or f'<{digest:08x}.nastavnik-test@{domain}>'}\r\n"
                   for name, value in headers)
    return (head + "MIME-Version: 1.0\r\n" + entity).encode("utf-8")


def date_header(date: dt.datetime) -> str:
    return email.utils.format_datetime(date)


def html(text: str) -> str:
    return "<html><body>" + "".join(f"<p>{line}</p>" for line in text.split("\n")) + \
        "</body></html>"


# --- the clients ------------------------------------------------------------------------------
def outlook(sender: str, subject: str, date: dt.datetime, attachments: Sequence[Attachment] = (),
            *, sender_name: str = "Заместитель директора", charset: str = "windows-1251",
            body: str = BODY) -> bytes:
    """Microsoft Outlook 2016 in Russian: windows-1251 (or `charset="koi8-r"`, which has no «»)
    encoded words in the subject and in the quoted file-name parameters, a windows-1251
    quoted-printable body with an HTML alternative."""
    alternative = multipart("alternative", "----=_NextPart_001_0011_01DB3A2C.5E6F7A80", [
        f'Content-Type: text/plain;\r\n\tcharset="windows-1251"\r\n'
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        f"{quoted_printable(body, 'windows-1251')}",
        f'Content-Type: text/html;\r\n\tcharset="windows-1251"\r\n'
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        f"{quoted_printable(html(body), 'windows-1251')}",
    ])
    parts = [alternative] + [
        f'Content-Type: {content_type(name)};\r\n\tname="{encoded_words(name, charset)}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment;\r\n\tfilename="{encoded_words(name, charset)}"\r\n'
        f"\r\n{base64_lines(data)}"
        for name, data in attachments]
    entity = multipart("mixed", "----=_NextPart_000_0010_01DB3A2C.5E6F7A80", parts,
                       "This is a multipart message in MIME format.") if attachments \
        else alternative
    return message([
        ("From", f'"{encoded_words(sender_name, charset)}" <{sender}>'),
        ("To", f"<{OFFICE}>"),
        ("Subject", encoded_words(subject, charset)),
        ("Date", date_header(date)),
        ("Message-ID", None),
        ("X-Mailer", "Microsoft Outlook 16.0"),
        ("Thread-Index", "AdtAbCdEfGhIjKlMnOpQrStUvWxYz=="),
        ("Content-Language", "ru"),
    ], entity)


def thunderbird(sender: str, subject: str, date: dt.datetime,
                attachments: Sequence[Attachment] = (), *,
                sender_name: str = "Заместитель директора", body: str = BODY) -> bytes:
    """Thunderbird 115: RFC 2231 file names (split when long), UTF-8 8bit flowed text."""
    text = (f"Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{body.replace(chr(10), chr(13) + chr(10))}\r\n")
    parts = [text] + [
        f"Content-Type: {content_type(name)};\r\n {rfc2231('name', name)}\r\n"
        f"Content-Disposition: attachment;\r\n {rfc2231('filename', name)}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{base64_lines(data)}"
        for name, data in attachments]
    entity = multipart("mixed", "------------f0Rm5tHuNdErBiRd0000", parts,
                       "This is a multi-part message in MIME format.") if attachments else text
    return message([
        ("Message-ID", None),
        ("Date", date_header(date)),
        ("User-Agent", "Mozilla Thunderbird"),
        ("Content-Language", "ru"),
        ("To", OFFICE),
        ("From", f"{encoded_words(sender_name, 'UTF-8', 40)} <{sender}>"),
        ("Subject", encoded_words(subject, "UTF-8", 20)),
    ], entity)


def mailru_web(sender: str, subject: str, date: dt.datetime,
               attachments: Sequence[Attachment] = (), *,
               sender_name: str = "Заместитель директора", body: str = BODY) -> bytes:
    """Mail.ru's web mail: UTF-8 base64 everywhere, attachments as application/octet-stream
    with RFC 2047 UTF-8 names in quotes."""
    alternative = multipart("alternative", "--ALT--7b2Ea1C01733395200", [
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64_lines(body.encode('utf-8'))}",
        f"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64_lines(html(body).encode('utf-8'))}",
    ])
    parts = [alternative] + [
        f'Content-Type: application/octet-stream; name="{encoded_words(name, "UTF-8", 30)}"\r\n'
        f'Content-Disposition: attachment; filename="{encoded_words(name, "UTF-8", 30)}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{base64_lines(data)}"
        for name, data in attachments]
    entity = multipart("mixed", "----Q7Bd1E4f3A9c0b2D8e6F", parts) if attachments else alternative
    return message([
        ("From", f"{encoded_words(sender_name, 'UTF-8', 40)} <{sender}>"),
        ("To", f"{OFFICE}"),
        ("Subject", encoded_words(subject, "UTF-8", 30)),
        ("Date", date_header(date)),
        ("Message-ID", None),
        ("X-Mailer", "Mail.Ru Mailer 1.0"),
        ("X-Originating-IP", "[95.163.0.1]"),
    ], entity)


def forwarded(sender: str, subject: str, date: dt.datetime, original: bytes, *,
              sender_name: str = "Секретарь", note: str = "Пересылаю отчёт школы.") -> bytes:
    """`original` forwarded as an attachment (Thunderbird's «Переслать как вложение»)."""
    parts = [
        f"Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{note}\r\n",
        f'Content-Type: message/rfc822; name="{encoded_words(subject, "UTF-8")}.eml"\r\n'
        f"Content-Disposition: attachment; {rfc2231('filename', subject + '.eml')}\r\n"
        f"\r\n{original.decode('utf-8')}",
    ]
    return message([
        ("Message-ID", None),
        ("Date", date_header(date)),
        ("User-Agent", "Mozilla Thunderbird"),
        ("To", OFFICE),
        ("From", f"{encoded_words(sender_name, 'UTF-8')} <{sender}>"),
        ("Subject", encoded_words("Fwd: " + subject, "UTF-8", 20)),
    ], multipart("mixed", "------------fWd0RwArDeD00000000", parts))


# --- archives ---------------------------------------------------------------------------------
class _Cp866Info(zipfile.ZipInfo):
    """A member name in cp866 without the UTF-8 flag, as Windows' built-in zip writes it."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own hook
        return self.filename.encode("cp866"), self.flag_bits & ~0x800


def zipped(files: Sequence[Attachment], *, names: str = "utf-8") -> bytes:
    """A .zip holding `files`: `names="utf-8"` as 7-Zip (flag bit 11 set), `"cp866"` as
    Windows' «Сжатая ZIP-папка» (no flag)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = (_Cp866Info if names == "cp866" else zipfile.ZipInfo)(
                name, date_time=(2026, 11, 28, 14, 5, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


CLIENTS = {"outlook": outlook, "thunderbird": thunderbird, "mailru_web": mailru_web}
