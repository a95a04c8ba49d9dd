"""The mail round trip (issue 20): forms come in from the office mailbox (`fetch`), feedback,
acceptances and reminders go out (`send`); `account` holds the settings and the connections.

Only the standard library speaks the protocols (imaplib, smtplib, email); `keyring` keeps the
password where the system keeps passwords, when the system has such a place.
"""
