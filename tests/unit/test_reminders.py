"""The scheduling rule of reminders and confirmations (shared with automation)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from vitosms_tui.core import clock, reminders
from vitosms_tui.core.models import Appointment, Mandant
from vitosms_tui.core.reminders import lead_time_before, plan_confirmation, plan_reminder


def zh(text: str) -> datetime:
    return clock.parse_instant(text)


def appointment(start: str, lead_hours: int = 24, status: str = "booked", **quiet) -> Appointment:
    mandant = Mandant(code="A", name="Dr. A", sender="DrA", lead_hours=lead_hours, **quiet)
    return Appointment(id=7, mandant=mandant, start=zh(start), minutes=20, status=status)


def test_reminder_at_the_lead_time():
    plan = plan_reminder(appointment("2026-05-06T10:00"), zh("2026-05-01T09:00"))
    assert plan.send_at == zh("2026-05-05T10:00")
    assert plan.reason == reminders.SCHEDULED
    assert plan.sends
    assert plan.due == plan.send_at


def test_lead_time_in_quiet_hours_moves_to_the_evening_before():
    # an appointment at 07:30: 24 hours before is 07:30, in the quiet hours, so the reminder goes
    # at 19:59 two evenings before
    plan = plan_reminder(appointment("2026-05-06T07:30"), zh("2026-05-01T09:00"))
    assert plan.send_at == zh("2026-05-04T19:59")
    assert plan.reason == reminders.BEFORE_QUIET_HOURS
    assert plan.due == zh("2026-05-05T07:30")
    # 21:00 appointment in a practice with evening hours: 19:59 the day before
    plan = plan_reminder(appointment("2026-05-06T21:00"), zh("2026-05-01T09:00"))
    assert plan.send_at == zh("2026-05-05T19:59")


def test_own_quiet_hours_of_the_mandant():
    plan = plan_reminder(
        appointment("2026-05-06T12:30", quiet_start="12:00", quiet_end="14:00"), zh("2026-05-01T09:00")
    )
    assert plan.send_at == zh("2026-05-05T11:59")


def test_lead_time_of_hours_is_real_time():
    plan = plan_reminder(appointment("2026-05-06T15:00", lead_hours=3), zh("2026-05-01T09:00"))
    assert plan.send_at == zh("2026-05-06T12:00")


def test_short_notice_is_sent_at_once_when_two_hours_away_and_not_quiet():
    now = zh("2026-05-06T09:00")
    plan = plan_reminder(appointment("2026-05-06T11:00"), now)
    assert plan.send_at == now
    assert plan.reason == reminders.AT_ONCE


def test_short_notice_under_two_hours_sends_none():
    plan = plan_reminder(appointment("2026-05-06T10:59"), zh("2026-05-06T09:00"))
    assert plan.send_at is None
    assert plan.reason == reminders.SHORT_NOTICE_REFUSED
    assert "2 hours" in plan.detail


def test_short_notice_in_quiet_hours_sends_none():
    plan = plan_reminder(appointment("2026-05-07T10:00"), zh("2026-05-06T21:00"))
    assert plan.send_at is None
    assert plan.reason == reminders.SHORT_NOTICE_REFUSED
    assert "quiet hours" in plan.detail


def test_quiet_shift_into_the_past_falls_back_to_short_notice():
    # due at 07:00, in the quiet hours, it would move to 19:59 the evening before;
    # at 10:00 that is already past, so it goes at once
    now = zh("2026-05-05T10:00")
    plan = plan_reminder(appointment("2026-05-06T07:00"), now)
    assert plan.send_at == now
    assert plan.reason == reminders.AT_ONCE


def test_past_and_cancelled_appointments_get_none():
    plan = plan_reminder(appointment("2026-05-06T10:00"), zh("2026-05-06T10:00"))
    assert plan.send_at is None
    assert plan.reason == reminders.APPOINTMENT_PAST
    plan = plan_reminder(appointment("2026-05-09T10:00", status="cancelled"), zh("2026-05-06T10:00"))
    assert plan.reason == reminders.APPOINTMENT_CANCELLED


@pytest.mark.parametrize(
    "start, reminder_utc, real_hours",
    [
        # Mondays after a change: the change (Sunday 02:00/03:00) lies before Sunday 09:00
        ("2026-10-26T09:00", datetime(2026, 10, 25, 8, 0, tzinfo=clock.UTC), 24),
        ("2026-03-30T09:00", datetime(2026, 3, 29, 7, 0, tzinfo=clock.UTC), 24),
        # Sundays of the change: the night between has 25 / 23 hours
        ("2026-10-25T09:00", datetime(2026, 10, 24, 7, 0, tzinfo=clock.UTC), 25),
        ("2026-03-29T09:00", datetime(2026, 3, 28, 8, 0, tzinfo=clock.UTC), 23),
    ],
)
def test_whole_day_lead_times_keep_the_wall_clock_across_dst(start, reminder_utc, real_hours):
    appt = appointment(start)
    plan = plan_reminder(appt, zh("2026-01-05T09:00"))
    assert plan.send_at == reminder_utc
    assert clock.local(plan.send_at).strftime("%H:%M") == "09:00"
    assert clock.local(plan.send_at).date() == clock.local(appt.start).date() - timedelta(days=1)
    assert appt.start - plan.send_at == timedelta(hours=real_hours)


def test_two_day_lead_over_the_monday_after_a_change():
    plan = plan_reminder(appointment("2026-10-26T09:00", lead_hours=48), zh("2026-01-05T09:00"))
    assert clock.local(plan.send_at).strftime("%a %H:%M") == "Sat 09:00"
    assert zh("2026-10-26T09:00") - plan.send_at == timedelta(hours=49)
    assert lead_time_before(zh("2026-03-30T09:00"), 48) == zh("2026-03-28T09:00")


def test_confirmation_at_once_outside_quiet_hours():
    now = zh("2026-05-06T10:00")
    plan = plan_confirmation(appointment("2026-05-06T10:30"), now)
    assert plan.send_at == now
    assert plan.reason == reminders.AT_ONCE


def test_confirmation_in_quiet_hours_waits_for_their_end():
    plan = plan_confirmation(appointment("2026-05-08T10:00"), zh("2026-05-06T22:15"))
    assert plan.send_at == zh("2026-05-07T08:00")
    assert plan.reason == reminders.AFTER_QUIET_HOURS


def test_confirmation_none_when_quiet_hours_last_until_the_start():
    plan = plan_confirmation(appointment("2026-05-07T07:30"), zh("2026-05-06T22:15"))
    assert plan.send_at is None
    assert plan.reason == reminders.QUIET_HOURS


def test_plan_by_kind_and_auto_key():
    appt = appointment("2026-05-08T10:00")
    assert reminders.plan("confirmation", appt, zh("2026-05-06T10:00")).reason == reminders.AT_ONCE
    assert reminders.plan("reminder", appt, zh("2026-05-06T10:00")).reason == reminders.SCHEDULED
    assert reminders.auto_key_for(appt) == "reminder:7"


def test_short_notice_counts_whole_minutes():
    # booked at 09:00:40 for 11:00: two hours ahead as the desk counts them
    now = zh("2026-05-06T09:00:40")
    plan = plan_reminder(appointment("2026-05-06T11:00"), now)
    assert plan.send_at == now
    assert plan.reason == reminders.AT_ONCE
    assert plan_reminder(appointment("2026-05-06T10:59"), now).send_at is None
