"""The English sentences of wrong calls and broken configurations (exit code 2), one per key.

Every key starts with ``usage.``, the code that scripts read for all of them.
"""

from __future__ import annotations

USAGE: dict[str, str] = {
    "usage.address_holds_login": (
        "the address holds a login: put it in --login and the password in the config file ([caldav] password)"
    ),
    "usage.argument_valid_utf": "an argument is not valid UTF-8 text: {arg!r}",
    "usage.arguments": "{command}: {message}",
    "usage.backup_database_itself": "the backup is the database itself",
    "usage.backup_file_database": "the backup file must not be the database itself",
    "usage.backup_file_folder": "the backup file is a folder: {path}",
    "usage.backup_file_given": "no backup file given",
    "usage.backup_found": "backup not found: {source}",
    "usage.backup_postgresql_database": (
        "{path} is a backup of a PostgreSQL database: restore it into one (--db postgresql://…)"
    ),
    "usage.backup_sqlite_database": (
        "{path} is a backup of a SQLite database: restore it into a SQLite file (--db PATH)"
    ),
    "usage.broken_template_file": "broken template file {name}: {reason}",
    "usage.caldav_address_https": "not a CalDAV address: {url!r} (https://server/path/to/calendar/)",
    "usage.calendar_server_reached": "{hostname}: a calendar server is reached over https only",
    "usage.calendar_server_refused": (
        "the calendar server {host} refused the login{value}: check [caldav] in the config"
    ),
    "usage.cannot_back_up": "cannot back up {source}: {reason}",
    "usage.cannot_back_up_url": "cannot back up {url}: {reason}",
    "usage.cannot_connect_postgresql": "cannot connect to PostgreSQL {url}: {reason}",
    "usage.cannot_create_database": "cannot create the database {path}: {reason}",
    "usage.cannot_created": "{what} {folder} cannot be created: {reason}",
    "usage.cannot_read": "cannot read {what} {file}: {reason}",
    "usage.cannot_restore_into": "cannot restore into an in-memory database",
    "usage.cannot_written_account": "{what} {folder} cannot be written by this account",
    "usage.column_appears_twice": "column {column!r} appears twice in the header",
    "usage.config": "config [{section}] {key} = {shown}: {problem}",
    "usage.config_agenda_day": "config [agenda] day_end = {day_end!r}: must be after day_start = {day_start!r}",
    "usage.config_cannot_negative": "config [{section}] {key}: cannot be negative",
    "usage.config_delivery_backoff": (
        "config [delivery] backoff_max_seconds = {backoff_max_seconds!r}: must not be below backoff_seconds ="
        " {backoff_seconds!r}"
    ),
    "usage.config_expected_number": "config [{section}] {key}: expected a number",
    "usage.config_expected_text": "config [{section}] {key}: expected text",
    "usage.config_expected_true": "config [{section}] {key}: expected true or false",
    "usage.config_file_valid": "config file {file} is not valid TOML: {reason}",
    "usage.config_number_up_to": "config [{section}] {key}: expected a number up to {limit:,}",
    "usage.config_sms": "config [sms] {key} = {value!r}: {expected}",
    "usage.config_sms_host": 'config [sms] host: needed with gateway = "smpp"',
    "usage.config_sms_system": 'config [sms] system_id: needed with gateway = "smpp"',
    "usage.config_sms_table": "config: [sms] must be a table",
    "usage.config_sms_unknown": "config [sms]: unknown setting {key!r}",
    "usage.config_table": "config: [{key}] must be a table",
    "usage.config_ui_language": 'config [ui] language: expected "de" or "en"',
    "usage.config_unknown_section": "config: unknown section [{key}]",
    "usage.config_unknown_setting": "config [{section}]: unknown setting {key!r}",
    "usage.config_unknown_sms": (
        'config: unknown SMS gateway {kind!r} (known: mock; a provider over SMPP goes in [sms] gateway = "smpp")'
    ),
    "usage.confirmation_channel_sms": "the confirmation channel must be sms, email or auto, not {confirm!r}",
    "usage.csv_file_empty": "the CSV file is empty",
    "usage.csv_file_mandant": "the CSV file has no Mandant column: give --mandant",
    "usage.csv_header_cannot": "the CSV header cannot be read: {reason}",
    "usage.csv_header_names": "the CSV header names no patient: add Name (or Patient) or Natel",
    "usage.damaged": "{path} is damaged: {reason}",
    "usage.data_file_missing": "data file missing: {name}",
    "usage.data_file_valid": "data file {name} is not valid TOML: {reason}",
    "usage.data_prices_toml": "data/prices.toml: each package needs id, name, credits, price_chf",
    "usage.database_check_db": "no database at {path}: check --db or VITOSMS_DB, or create one with `vitosms init`",
    "usage.database_given_db": "no database given: use --db or VITOSMS_DB",
    "usage.database_name_db": "no database at {path}: name it with --db or VITOSMS_DB",
    "usage.database_path_folder": "database path is a folder: {path}",
    "usage.postgresql_driver_missing": (
        "PostgreSQL needs its driver, which is not installed here: pip install 'vitosms-tui[postgresql]'"
    ),
    "usage.database_schema_version": (
        "the database's schema version {value!r} is not a number (setting schema_version); restore the last "
        "backup or set it to the version of this program ({SCHEMA_VERSION})"
    ),
    "usage.demo_needs_terminal": "the demo needs a terminal",
    "usage.empty_send_time": "--at is empty: give the send time (ISO-8601), or leave --at out to send now",
    "usage.every_hand_only": "--every must be 0 (by hand only) or 1 to {limit} minutes",
    "usage.file": "not a file: {source}",
    "usage.file_icalendar": "the file is not iCalendar: {reason}",
    "usage.file_icalendar_holds": "the file is not iCalendar: it holds no VCALENDAR",
    "usage.folder_found": "folder not found: {parent}",
    "usage.found": "{what} not found: {file}",
    "usage.icalendar_file_names": "an iCalendar file names no Mandant: give --mandant",
    "usage.ics_csv_file": "{name}: give an .ics or a .csv file",
    "usage.inmemory_database_cannot": "an in-memory database cannot be backed up",
    "usage.installed_debian_aptget": "{name} is not installed (Debian: apt-get install postgresql-client)",
    "usage.interface_needs_terminal": "the interface needs a terminal; use the commands (vitosms --help) in scripts",
    "usage.is_a_folder": "{what} {file} is a folder",
    "usage.iso_date_time": "not an ISO-8601 date and time: {text!r}",
    "usage.larger_than_64_mib": "the {what} is larger than 64 MiB",
    "usage.larger_than_mib": "{what} {file} is larger than {value} MiB",
    "usage.moved_regenerate_withdraw": "--moved must be regenerate or withdraw, not {moved!r}",
    "usage.name_least_one": "name at least one recall",
    "usage.negative": "must not be negative: {text}",
    "usage.not_a_folder": "{what} {folder} is not a folder",
    "usage.not_vitosms_database": "{path} is not a vitosms database",
    "usage.not_vitosms_database_reason": "{path} is not a vitosms database ({reason})",
    "usage.not_vitosms_dump": "{path} is not a vitosms database dump",
    "usage.not_vitosms_dump_version": "{path} is not a vitosms database dump (no schema version)",
    "usage.not_vitosms_overwriting": "{path} is not a vitosms database; not overwriting it",
    "usage.not_vitosms_overwriting_reason": "{path} is not a vitosms database ({reason}); not overwriting it",
    "usage.not_vitosms_overwriting_url": "{url} is not a vitosms database; not overwriting it",
    "usage.number_given_out": "a number given is out of range",
    "usage.postgresql_url_bad": "the PostgreSQL URL has a bad port: {url}",
    "usage.postgresql_url_names": "the PostgreSQL URL names no database: {url}",
    "usage.postgresql_url_valid": "the PostgreSQL URL is not valid ({error}): {url}",
    "usage.recall_add_due": "recall add: --due is required (or --appointment with --every-months)",
    "usage.recall_add_person": "recall add: give --person and --mandant (or --appointment)",
    "usage.recall_needs_due": "a recall needs a due date (or an appointment and a repeat in months)",
    "usage.recall_needs_mandant": "a recall needs a Mandant",
    "usage.recall_needs_person": "a recall needs a person or an appointment",
    "usage.reminder_decision_regenerate": "the reminder decision must be regenerate or withdraw, not {reminder!r}",
    "usage.schema_version_newer": (
        "{source} has schema version {version}, newer than this program ({SCHEMA_VERSION}): restore it with "
        "the newer vitosms"
    ),
    "usage.schema_version_newer_db": (
        "the database has schema version {before}, newer than this program ({SCHEMA_VERSION})"
    ),
    "usage.send_name_least": "send: name at least one recipient with --person ID or --to NUMBER_OR_ADDRESS",
    "usage.send_text_empty": "send: --text must not be empty",
    "usage.serve_cannot_listen": "serve: cannot listen on {host} port {port}: {reason}",
    "usage.serve_loopback_address": (
        "serve: {host} is not a loopback address and serve has no login of its own; put it behind a proxy "
        "with authentication, or give --allow-remote"
    ),
    "usage.serve_port_between": "serve: --port must be between 1 and 65535, not {port}",
    "usage.serve_publicurl_http": "serve: --public-url must be an http:// or https:// address, not {url!r}",
    "usage.smsc_cannot_certificate": "smsc: cannot use the certificate {tls_cert}: {value}",
    "usage.smsc_cannot_listen": "smsc: cannot listen on {host}:{port}: {reason}",
    "usage.smsc_reply_empty": "smsc reply --text: an SMS needs a text",
    "usage.smsc_reply_too_long": "smsc reply --text: a reply is one SMS, at most 160 GSM-7 characters or 70 others",
    "usage.smsc_tlscert_tlskey": "smsc: --tls-cert and --tls-key go together",
    "usage.smtp_port_invalid": "VITOSMS_SMTP_PORT = {number!r}: {port}",
    "usage.smtp_port_not_number": "VITOSMS_SMTP_PORT is not a port number: {number!r}",
    "usage.start_date_time": "the start must be a date and time",
    "usage.tariff_negative": "data/tariff.toml: prices cannot be negative",
    "usage.tariff_whole_numbers": "data/tariff.toml needs whole numbers sms_per_segment and email",
    "usage.unknown_channel_sms": "unknown channel {channel!r}: use sms or email",
    "usage.unknown_database_url": "unknown database URL: {text!r}",
    "usage.unknown_kind_reminder": "unknown kind {kind!r}: use reminder or confirmation",
    "usage.unknown_one": "unknown {what} {value!r}: use one of {known}",
    "usage.unknown_source": "unknown source {source!r}",
    "usage.user_empty": "--user must not be empty",
    "usage.utf_byte": "the {what} is not UTF-8 (byte {start})",
    "usage.vitosms_backup_postgresql": "{path} is not a vitosms backup of a PostgreSQL database",
    "usage.vitosms_database_schema": "{path} is not a vitosms database (no schema version)",
    "usage.vitosms_log_level": "VITOSMS_LOG_LEVEL: unknown level {level!r}",
    "usage.vitosms_smtp_host": "VITOSMS_SMTP_HOST = {server!r}: {host}",
    "usage.whole_number": "not a whole number: {text!r}",
    "usage.year_out_range": "the year {year} is out of range ({min_year}-{max_year}): {text!r}",
    "usage.csv_header_lacks": "the CSV header lacks the column(s) {columns}",
    "usage.choose_command": "{group}: choose {commands}",
}
