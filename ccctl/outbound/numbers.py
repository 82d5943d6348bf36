"""Phone numbers of contacts: E.164 per the tenant's country, and the contact's time zone."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccctl.errors import InvalidInput

ZONE_TAB = "/usr/share/zoneinfo/zone.tab"


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    out = {}
    try:
        with open(ZONE_TAB, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#"):
                    parts = line.split("\t")
                    if len(parts) >= 3:
                        out[parts[2].strip()] = parts[0]
    except OSError:
        pass
    return out


def country_of_timezone(tz: str, default: str = "US") -> str:
    """The ISO country a tenant's time zone belongs to (Europe/Paris -> FR)."""
    return _zone_countries().get(tz, default)


def normalise(raw: str, country: str) -> str:
    """RAW as dialled in COUNTRY (or in international form) -> E.164. InvalidInput otherwise."""
    import phonenumbers

    text = (raw or "").strip()
    if not text:
        raise InvalidInput("empty number")
    try:
        n = phonenumbers.parse(text, country.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"{text!r}: not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(n):
        raise InvalidInput(f"{text!r}: not a valid number (read in {country.upper()})")
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


def timezone_of(e164: str, fallback: str) -> str:
    """The number's own time zone when its prefix fixes one, else FALLBACK (the tenant's)."""
    import phonenumbers
    from phonenumbers import timezone as ptz

    try:
        zones = ptz.time_zones_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return fallback
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else fallback


def check_timezone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"time zone {tz!r}: unknown (expected a name like Europe/Paris)") from None
    return tz
