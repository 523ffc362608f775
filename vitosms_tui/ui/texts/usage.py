"""Wrong calls and broken configurations in the interface's language (keys ``usage.*``).

Most of them meet only the command line; the interface meets those of its own
actions (a backup, an export, a calendar) and shows them in the same words.
"""

from __future__ import annotations

from ..i18n import N_

USAGE: dict[str, str] = {
    "usage.address_holds_login": N_(
        "The address holds a login: put it in --login and the password in the config file ([caldav] password)."
    ),
    "usage.argument_valid_utf": N_("An argument is not valid UTF-8 text: {arg}."),
    "usage.arguments": N_("{command}: {message}."),
    "usage.backup_database_itself": N_("The backup is the database itself."),
    "usage.backup_file_database": N_("The backup file must not be the database itself."),
    "usage.backup_file_folder": N_("The backup file is a folder: {path}."),
    "usage.backup_file_given": N_("No backup file given."),
    "usage.backup_found": N_("Backup not found: {source}."),
    "usage.backup_postgresql_database": N_(
        "{path} is a backup of a PostgreSQL database: restore it into one (--db postgresql://…)."
    ),
    "usage.backup_sqlite_database": N_(
        "{path} is a backup of a SQLite database: restore it into a SQLite file (--db PATH)."
    ),
    "usage.broken_template_file": N_("Broken template file {name}: {reason}."),
    "usage.caldav_address_https": N_("Not a CalDAV address: {url} (https://server/path/to/calendar/)."),
    "usage.calendar_server_reached": N_("{hostname}: a calendar server is reached over https only."),
    "usage.calendar_server_refused": N_(
        "The calendar server {host} refused the login{value}: check [caldav] in the config."
    ),
    "usage.cannot_back_up": N_("Cannot back up {source}: {reason}."),
    "usage.cannot_back_up_url": N_("Cannot back up {url}: {reason}."),
    "usage.cannot_connect_postgresql": N_("Cannot connect to PostgreSQL {url}: {reason}."),
    "usage.cannot_create_database": N_("Cannot create the database {path}: {reason}."),
    "usage.cannot_created": N_("{what} {folder} cannot be created: {reason}."),
    "usage.cannot_read": N_("Cannot read {what} {file}: {reason}."),
    "usage.cannot_restore_into": N_("Cannot restore into an in-memory database."),
    "usage.cannot_written_account": N_("{what} {folder} cannot be written by this account."),
    "usage.choose_command": N_("{group}: choose {commands}."),
    "usage.column_appears_twice": N_("Column {column} appears twice in the header."),
    "usage.config": N_("config [{section}] {key} = {shown}: {problem}."),
    "usage.config_agenda_day": N_("config [agenda] day_end = {day_end}: must be after day_start = {day_start}."),
    "usage.config_cannot_negative": N_("config [{section}] {key}: cannot be negative."),
    "usage.config_delivery_backoff": N_(
        "config [delivery] backoff_max_seconds = {backoff_max_seconds}: must not be below backoff_seconds = "
        "{backoff_seconds}."
    ),
    "usage.config_expected_number": N_("config [{section}] {key}: expected a number."),
    "usage.config_expected_text": N_("config [{section}] {key}: expected text."),
    "usage.config_expected_true": N_("config [{section}] {key}: expected true or false."),
    "usage.config_file_valid": N_("config file {file} is not valid TOML: {reason}."),
    "usage.config_number_up_to": N_("config [{section}] {key}: expected a number up to {limit}."),
    "usage.config_sms": N_("config [sms] {key} = {value}: {expected}."),
    "usage.config_sms_host": N_("config [sms] host: needed for SMPP."),
    "usage.config_sms_system": N_("config [sms] system_id: needed for SMPP."),
    "usage.config_sms_table": N_("config: [sms] must be a table."),
    "usage.config_sms_unknown": N_("config [sms]: unknown setting {key}."),
    "usage.config_table": N_("config: [{key}] must be a table."),
    "usage.config_ui_language": N_('config [ui] language: expected "de" or "en".'),
    "usage.config_unknown_section": N_("config: unknown section [{key}]."),
    "usage.config_unknown_setting": N_("config [{section}]: unknown setting {key}."),
    "usage.config_unknown_sms": N_("config: unknown SMS gateway {kind} (known: mock, smpp)."),
    "usage.confirmation_channel_sms": N_("The confirmation channel must be sms, email or auto, not {confirm}."),
    "usage.csv_file_empty": N_("The CSV file is empty."),
    "usage.csv_file_mandant": N_("The CSV file has no Mandant column: give --mandant."),
    "usage.csv_header_cannot": N_("The CSV header cannot be read: {reason}."),
    "usage.csv_header_lacks": N_("The CSV header lacks the column(s) {columns}."),
    "usage.csv_header_names": N_("The CSV header names no patient: add Name (or Patient) or Natel."),
    "usage.damaged": N_("{path} is damaged: {reason}."),
    "usage.data_file_missing": N_("Data file missing: {name}."),
    "usage.data_file_valid": N_("Data file {name} is not valid TOML: {reason}."),
    "usage.data_prices_toml": N_("data/prices.toml: each package needs id, name, credits, price_chf."),
    "usage.database_check_db": N_(
        "No database at {path}: check --db or VITOSMS_DB, or create one with `vitosms init`."
    ),
    "usage.database_given_db": N_("No database given: use --db or VITOSMS_DB."),
    "usage.database_name_db": N_("No database at {path}: name it with --db or VITOSMS_DB."),
    "usage.database_path_folder": N_("Database path is a folder: {path}."),
    "usage.postgresql_driver_missing": N_(
        "PostgreSQL needs its driver, which is not installed here: pip install 'vitosms-tui[postgresql]'"
    ),
    "usage.database_schema_version": N_(
        "The database's schema version {value} is not a number (setting schema_version); restore the last "
        "backup or set it to the version of this program ({SCHEMA_VERSION})."
    ),
    "usage.demo_needs_terminal": N_("The demo needs a terminal."),
    "usage.empty_send_time": N_("--at is empty: give the send time (ISO-8601), or leave --at out to send now."),
    "usage.every_hand_only": N_("--every must be 0 (by hand only) or 1 to {limit} minutes."),
    "usage.file": N_("Not a file: {source}."),
    "usage.file_icalendar": N_("The file is not iCalendar: {reason}."),
    "usage.file_icalendar_holds": N_("The file is not iCalendar: it holds no VCALENDAR."),
    "usage.folder_found": N_("Folder not found: {parent}."),
    "usage.found": N_("{what} not found: {file}."),
    "usage.icalendar_file_names": N_("An iCalendar file names no Mandant: give --mandant."),
    "usage.ics_csv_file": N_("{name}: give an .ics or a .csv file."),
    "usage.inmemory_database_cannot": N_("An in-memory database cannot be backed up."),
    "usage.installed_debian_aptget": N_("{name} is not installed (Debian: apt-get install postgresql-client)."),
    "usage.interface_needs_terminal": N_(
        "The interface needs a terminal; use the commands (vitosms --help) in scripts."
    ),
    "usage.is_a_folder": N_("{what} {file} is a folder."),
    "usage.iso_date_time": N_("Not an ISO-8601 date and time: {text}."),
    "usage.larger_than_64_mib": N_("The {what} is larger than 64 MiB."),
    "usage.larger_than_mib": N_("{what} {file} is larger than {value} MiB."),
    "usage.moved_regenerate_withdraw": N_("--moved must be regenerate or withdraw, not {moved}."),
    "usage.name_least_one": N_("Name at least one recall."),
    "usage.negative": N_("Must not be negative: {text}."),
    "usage.not_a_folder": N_("{what} {folder} is not a folder."),
    "usage.not_vitosms_database": N_("{path} is not a vitosms database."),
    "usage.not_vitosms_database_reason": N_("{path} is not a vitosms database ({reason})."),
    "usage.not_vitosms_dump": N_("{path} is not a vitosms database dump."),
    "usage.not_vitosms_dump_version": N_("{path} is not a vitosms database dump (no schema version)."),
    "usage.not_vitosms_overwriting": N_("{path} is not a vitosms database; not overwriting it."),
    "usage.not_vitosms_overwriting_reason": N_("{path} is not a vitosms database ({reason}); not overwriting it."),
    "usage.not_vitosms_overwriting_url": N_("{url} is not a vitosms database; not overwriting it."),
    "usage.number_given_out": N_("A number given is out of range."),
    "usage.postgresql_url_bad": N_("The PostgreSQL URL has a bad port: {url}."),
    "usage.postgresql_url_names": N_("The PostgreSQL URL names no database: {url}."),
    "usage.postgresql_url_valid": N_("The PostgreSQL URL is not valid ({error}): {url}."),
    "usage.recall_add_due": N_("recall add: --due is required (or --appointment with --every-months)."),
    "usage.recall_add_person": N_("recall add: give --person and --mandant (or --appointment)."),
    "usage.recall_needs_due": N_("A recall needs a due date (or an appointment and a repeat in months)."),
    "usage.recall_needs_mandant": N_("A recall needs a Mandant."),
    "usage.recall_needs_person": N_("A recall needs a person or an appointment."),
    "usage.reminder_decision_regenerate": N_("The reminder decision must be regenerate or withdraw, not {reminder}."),
    "usage.schema_version_newer": N_(
        "{source} has schema version {version}, newer than this program ({SCHEMA_VERSION}): restore it with "
        "the newer vitosms."
    ),
    "usage.schema_version_newer_db": N_(
        "The database has schema version {before}, newer than this program ({SCHEMA_VERSION})."
    ),
    "usage.send_name_least": N_("send: name at least one recipient with --person ID or --to NUMBER_OR_ADDRESS."),
    "usage.send_text_empty": N_("send: --text must not be empty."),
    "usage.serve_cannot_listen": N_("serve: cannot listen on {host} port {port}: {reason}."),
    "usage.serve_loopback_address": N_(
        "serve: {host} is not a loopback address and serve has no login of its own; put it behind a proxy "
        "with authentication, or give --allow-remote."
    ),
    "usage.serve_port_between": N_("serve: --port must be between 1 and 65535, not {port}."),
    "usage.serve_publicurl_http": N_("serve: --public-url must be an http:// or https:// address, not {url}."),
    "usage.smsc_cannot_certificate": N_("smsc: cannot use the certificate {tls_cert}: {value}."),
    "usage.smsc_cannot_listen": N_("smsc: cannot listen on {host}:{port}: {reason}."),
    "usage.smsc_reply_empty": N_("smsc reply --text: an SMS needs a text."),
    "usage.smsc_reply_too_long": N_(
        "smsc reply --text: a reply is one SMS, at most 160 GSM-7 characters or 70 others."
    ),
    "usage.smsc_tlscert_tlskey": N_("smsc: --tls-cert and --tls-key go together."),
    "usage.smtp_port_invalid": N_("VITOSMS_SMTP_PORT = {number}: {port}."),
    "usage.smtp_port_not_number": N_("VITOSMS_SMTP_PORT is not a port number: {number}."),
    "usage.start_date_time": N_("The start must be a date and time."),
    "usage.tariff_negative": N_("data/tariff.toml: prices cannot be negative."),
    "usage.tariff_whole_numbers": N_("data/tariff.toml needs whole numbers sms_per_segment and email."),
    "usage.unknown_channel_sms": N_("Unknown channel {channel}: use sms or email."),
    "usage.unknown_database_url": N_("Unknown database URL: {text}."),
    "usage.unknown_kind_reminder": N_("Unknown kind {kind}: use reminder or confirmation."),
    "usage.unknown_one": N_("Unknown {what} {value}: use one of {known}."),
    "usage.unknown_source": N_("Unknown source {source}."),
    "usage.user_empty": N_("--user must not be empty."),
    "usage.utf_byte": N_("The {what} is not UTF-8 (byte {start})."),
    "usage.vitosms_backup_postgresql": N_("{path} is not a vitosms backup of a PostgreSQL database."),
    "usage.vitosms_database_schema": N_("{path} is not a vitosms database (no schema version)."),
    "usage.vitosms_log_level": N_("VITOSMS_LOG_LEVEL: unknown level {level}."),
    "usage.vitosms_smtp_host": N_("VITOSMS_SMTP_HOST = {server}: {host}."),
    "usage.whole_number": N_("Not a whole number: {text}."),
    "usage.year_out_range": N_("The year {year} is out of range ({min_year}-{max_year}): {text}."),
}
