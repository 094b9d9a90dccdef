"""PII, recognised by key and by value: the stub redacts with it, the drill's ``logs: no_pii`` scans with it.

By key: a profile names its PII fields (seed 002's pino list by default); a key matches case-insensitively and
in snake, kebab or camel spelling. By value: emails, phone numbers, payment card numbers (Luhn-checked) and
secrets (bearer tokens, JWTs, API keys) are recognised in any string, whatever the key, so an email logged as an
``event`` or a request id is caught too.

Example:
    >>> policy = PiiPolicy.of(["email", "phone"])
    >>> policy.redact({"user": {"Email": "a@b.co", "plan": "pro"}, "event": "mail to ada@example.com"})
    {'user': {'Email': '[REDACTED]', 'plan': 'pro'}, 'event': 'mail to [REDACTED:email]'}
    >>> policy.findings({"recipient": "+1 415 555 0100", "phone": "[REDACTED]"})
    ['recipient: a phone number']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

REDACTED = "[REDACTED]"

# Seed 002 (TokPulse, pino `redact` paths): the default list when a profile names none.
DEFAULT_PII_FIELDS: tuple[str, ...] = (
    "email",
    "phone",
    "address",
    "name",
    "firstName",
    "lastName",
    "customerId",
    "sessionId",
    "accessToken",
    "refreshToken",
    "password",
    "ssn",
    "creditCard",
    "paymentMethod",
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# International numbers need their "+"; national ones need separators (a bare run of digits is an id, a
# timestamp or a count far more often than a phone number).
_PHONE = re.compile(
    r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])"
    r"|(?<![\w.])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w.])"
)
# A card number stands alone: digits inside a hex trace id or a longer token are not one.
_CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
_SECRET = re.compile(
    r"\bBearer\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"
    r"|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}"
    r"|\bxox[abpr]-[A-Za-z0-9-]{10,}"
)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


# Issuer prefixes and lengths of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay):
# with the Luhn check they keep random digit runs (counters, ids) from reading as cards.
_ISSUERS = re.compile(
    r"^(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|2720\d{12}|3[47]\d{13}"
    r"|6(?:011|5\d{2}|4[4-9]\d)\d{12,15}|35(?:2[89]|[3-8]\d)\d{12,15}|3(?:0[0-5]|[68]\d)\d{11,16}|62\d{14,17})$"
)


def _cards(text: str) -> list[re.Match[str]]:
    found = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if _ISSUERS.match(digits) and _luhn(digits):
            found.append(match)
    return found


_KINDS: tuple[tuple[str, str], ...] = (("email", "an email address"), ("secret", "a secret token"),
                                       ("card", "a card number"), ("phone", "a phone number"))  # fmt: skip


def value_kinds(text: str) -> list[str]:
    """What PII ``text`` holds by value, as readable phrases (empty when none).

    >>> value_kinds("card 4111 1111 1111 1111, call (415) 555-0100")
    ['a card number', 'a phone number']
    >>> value_kinds("trace 4bf92f3577b34da6a3ce929d0e0e4736 at 2026-01-15T10:30:00.000Z took 12.5 ms")
    []
    >>> value_kinds("trace_id a4111111111111111f")   # a Luhn-valid run inside a hex id is not a card
    []
    """
    if not _MAYBE.search(text):
        return []
    return [phrase for kind, phrase in _KINDS if _matches(kind, text)]


def _matches(kind: str, text: str) -> list[re.Match[str]]:
    if kind == "card":
        return _cards(text)
    pattern = {"email": _EMAIL, "secret": _SECRET, "phone": _PHONE}[kind]
    return list(pattern.finditer(text))


# What every PII value by kind contains at least: most strings have none of it and skip the four patterns.
_MAYBE = re.compile(r"@|\d{3}|Bearer|eyJ|[spr]k_|AKIA|gh[pousr]_|xox")


def redact_text(text: str) -> str:
    """``text`` with every PII value replaced by ``[REDACTED:<kind>]``.

    >>> redact_text("from ada@example.com, Bearer abcdefgh12345")
    'from [REDACTED:email], [REDACTED:secret]'
    """
    if not _MAYBE.search(text):
        return text
    for kind, _ in _KINDS:
        for match in sorted(_matches(kind, text), key=lambda m: m.start(), reverse=True):
            text = text[: match.start()] + f"[REDACTED:{kind}]" + text[match.end() :]
    return text


@functools.lru_cache(maxsize=4096)
def normalise_key(key: str) -> str:
    """Case and separators do not matter: ``first_name``, ``First-Name`` and ``firstName`` are one key."""
    return key.lower().replace("_", "").replace("-", "")


# Fields a log schema fills with generated hex ids (W3C trace context): not user data, never scanned by value.
ID_FIELDS: tuple[str, ...] = ("trace_id", "span_id", "parent_span_id", "trace.id", "span.id", "dd.trace_id")


@dataclass(frozen=True)
class PiiPolicy:
    """The PII keys of one service (normalised), whether values are recognised too, and id fields to skip."""

    keys: frozenset[str]
    by_value: bool = True
    id_keys: frozenset[str] = frozenset(normalise_key(f) for f in ID_FIELDS)

    @classmethod
    def of(
        cls, fields: Iterable[str] = DEFAULT_PII_FIELDS, by_value: bool = True, id_fields: Iterable[str] = ID_FIELDS
    ) -> PiiPolicy:
        return cls(
            frozenset(normalise_key(f) for f in fields), by_value, frozenset(normalise_key(f) for f in id_fields)
        )

    def is_pii_key(self, key: str) -> bool:
        """True when ``key`` names a PII field.

        >>> PiiPolicy.of().is_pii_key("FIRST_NAME"), PiiPolicy.of().is_pii_key("plan")
        (True, False)
        """
        return normalise_key(key) in self.keys

    def redact(self, value: Any) -> Any:
        """A copy of ``value`` with every PII key's value replaced (whole, even a dict) and PII values masked."""
        if isinstance(value, dict):
            return {k: self._redact_item(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        if isinstance(value, str) and self.by_value:
            return redact_text(value)
        return value

    def _redact_item(self, key: Any, value: Any) -> Any:
        if isinstance(key, str) and self.is_pii_key(key) and value not in (None, ""):
            return REDACTED
        if isinstance(key, str) and normalise_key(key) in self.id_keys:
            return value  # a generated trace or span id: never user data
        return self.redact(value)

    def findings(self, value: Any, prefix: str = "") -> list[str]:
        """Where PII escaped: ``path: holds a value`` under a PII key, ``path: a phone number`` by value."""
        found: list[str] = []
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{prefix}{key}"
                if isinstance(key, str) and self.is_pii_key(key) and item not in (REDACTED, None, ""):
                    found.append(f"{path} holds a value")
                elif not (isinstance(key, str) and normalise_key(key) in self.id_keys):
                    found += self.findings(item, f"{path}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                found += self.findings(item, f"{prefix}{index}.")
        elif isinstance(value, str) and self.by_value:
            found += [f"{prefix.rstrip('.') or 'value'}: {kind}" for kind in value_kinds(value)]
        return found
