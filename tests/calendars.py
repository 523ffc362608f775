"""iCalendar texts for the appointment import and CalDAV tests, built like an export."""

from __future__ import annotations

ZURICH_TZ = """BEGIN:VTIMEZONE
TZID:Europe/Zurich
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
"""


def event(
    uid: str,
    start: str,
    end: str | None = "",
    *,
    summary: str = "Kontrolle",
    attendee: str = "",
    birth: str = "",
    extra: str = "",
) -> str:
    """One VEVENT; ``start``/``end`` as 20261203T090000 (Zurich) or with Z, or a date."""

    def stamp(name: str, value: str) -> str:
        if len(value) == 8:
            return f"{name};VALUE=DATE:{value}"
        if value.endswith("Z"):
            return f"{name}:{value}"
        return f"{name};TZID=Europe/Zurich:{value}"

    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", stamp("DTSTART", start)]
    if end:
        lines.append(stamp("DTEND", end))
    lines.append(f"SUMMARY:{summary}")
    if attendee:
        lines.append(f"ATTENDEE;{attendee}")
    if birth:
        lines.append(f"DESCRIPTION:Geburtsdatum: {birth}")
    if extra:
        lines.append(extra.strip())
    lines.append("END:VEVENT")
    return "\n".join(lines) + "\n"


def calendar(*events: str) -> bytes:
    body = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Praxis//Agenda//DE\n" + ZURICH_TZ + "".join(events)
    return (body + "END:VCALENDAR\n").replace("\n", "\r\n").encode("utf-8")
