"""SVG snapshots of the agenda: the day of all Mandanten, one Mandant's week, the remind chooser
(also with a delivered reminder), the move question and the booking form with its confirmation.

The practice is seeded (seed 1) and the clock stands at Friday 27.11.2026
09:00, so the pictures are the same on every run. A reminder is queued for one
appointment so that a marker shows. After a wanted change of the look:
``pytest tests/ui/test_snapshots_agenda.py --snapshot-update`` and look at the
new SVGs before committing them.
"""

from __future__ import annotations

from datetime import date

from vitosms_tui.core import agenda
from vitosms_tui.core.models import Mandant

from .pilot_helpers import settle, take_in_picker

SIZE = (120, 40)


def _with_a_reminder() -> int:
    """Queue a reminder for DUB's first appointment on Monday 30.11.2026 whose person has a mobile."""
    dub = Mandant.get(Mandant.code == "DUB")
    for appointment in agenda.day_appointments(dub, date(2026, 11, 30)):
        person = appointment.person
        if person.mobile and person.consent_reminder and person.preferred_channel != "email":
            agenda.remind(appointment, "seed")
            return appointment.id
    raise AssertionError("no reachable person")


def test_day_view_of_all_mandanten(make_app, snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_week_view_of_one_mandant(make_app, snap_compare):
    appointment_id = _with_a_reminder()

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.go_to_appointment(appointment_id)
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_remind_chooser(make_app, snap_compare):
    appointment_id = _with_a_reminder()
    dub = Mandant.get(Mandant.code == "DUB")
    other = next(
        a
        for a in agenda.day_appointments(dub, date(2026, 11, 30))
        if a.id != appointment_id and a.person.mobile and a.person.email
    )

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.go_to_appointment(other.id)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(make_app(language="en"), terminal_size=SIZE, run_before=run_before)


def test_remind_chooser_with_a_delivered_reminder(make_app, snap_compare):
    """What exists is shown; a second one is an explicit choice (German, as at the desk)."""
    from vitosms_tui.core import clock
    from vitosms_tui.core.models import Message

    appointment_id = _with_a_reminder()
    Message.update(
        status="delivered",
        sent_at=clock.zurich_datetime(date(2026, 11, 27), 8, 1),
        delivered_at=clock.zurich_datetime(date(2026, 11, 27), 8, 2),
    ).where(Message.appointment == appointment_id).execute()

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.go_to_appointment(appointment_id)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(make_app(language="de"), terminal_size=SIZE, run_before=run_before)


def test_move_question_says_what_each_answer_does(make_app, snap_compare):
    appointment_id = _with_a_reminder()

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.go_to_appointment(appointment_id)
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        pilot.app.screen.query_one("#date-time-input").value = "01.12.2026 11:00"
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(language="de"), terminal_size=SIZE, run_before=run_before)


def test_booking_form_with_its_confirmation(make_app, snap_compare):
    appointment_id = _with_a_reminder()
    person = agenda.get_appointment(appointment_id).person

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await take_in_picker(pilot, person)
        await settle(pilot)
        pilot.app.screen.query_one("#a-confirm").focus()  # no text cursor: the picture holds still
        await settle(pilot)

    assert snap_compare(make_app(language="de"), terminal_size=SIZE, run_before=run_before)
