"""``[sms]``: every bad value is refused when the config is loaded, naming key and value."""

from __future__ import annotations

import pytest

from vitosms_tui.core.config import load_settings
from vitosms_tui.core.errors import UsageError

GOOD = 'gateway = "smpp"\nhost = "smpp.provider.example"\nsystem_id = "praxis"\npassword = "geheim"\n'


def load(tmp_path, text: str):
    path = tmp_path / "vitosms.toml"
    path.write_text(text)
    path.chmod(0o600)
    return load_settings(path)


def test_the_contract_example_is_taken(tmp_path):
    settings = load(tmp_path, "[sms]\n" + GOOD + "port = 2775\ntls = false\n")
    assert settings.gateway == settings.sms.gateway == "smpp"
    assert (settings.sms.host, settings.sms.port, settings.sms.system_id) == ("smpp.provider.example", 2775, "praxis")


def test_without_a_section_the_mock_gateway_stays(tmp_path):
    assert load(tmp_path, "").sms.gateway == "mock"


@pytest.mark.parametrize(
    "line, named",
    [
        ('gateway = "kannel"', "gateway = 'kannel'"),
        ("port = 0", "port = 0"),
        ("port = 70000", "port = 70000"),
        ('port = "2775"', "port = '2775'"),
        ("window = 0", "window = 0"),
        ("window = 2.5", "window = 2.5"),
        ('tls = "yes"', "tls = 'yes'"),
        ('system_id = "a-system-id-too-long"', "system_id = 'a-system-id-too-long'"),
        ('system_type = "Ärzte"', "system_type = 'Ärzte'"),
        ("enquire_link_seconds = 0", "enquire_link_seconds = 0"),
        ("response_timeout_seconds = nan", "response_timeout_seconds = nan"),
        ("colour = 1", "unknown setting 'colour'"),
    ],
)
def test_a_bad_value_is_refused_naming_key_and_value(tmp_path, line, named):
    key = line.split(" =")[0]
    others = "".join(g + "\n" for g in GOOD.splitlines() if not g.startswith(key + " "))
    with pytest.raises(UsageError) as refused:
        load(tmp_path, "[sms]\n" + others + line + "\n")
    message = str(refused.value)
    assert message.startswith("config [sms]")
    assert named in message
    assert "\n" not in message


def test_a_too_long_password_is_refused_without_repeating_it(tmp_path):
    with pytest.raises(UsageError) as refused:
        load(tmp_path, '[sms]\ngateway = "smpp"\nhost = "h"\nsystem_id = "p"\npassword = "geheim1234"\n')
    assert "password" in str(refused.value)
    assert "geheim1234" not in str(refused.value)


def test_smpp_needs_a_host_and_a_system_id(tmp_path):
    with pytest.raises(UsageError, match=r"\[sms\] host: needed"):
        load(tmp_path, '[sms]\ngateway = "smpp"\nsystem_id = "p"\n')
    with pytest.raises(UsageError, match=r"\[sms\] system_id: needed"):
        load(tmp_path, '[sms]\ngateway = "smpp"\nhost = "h"\n')


def test_a_password_in_a_file_others_can_read_is_warned_about(tmp_path):
    path = tmp_path / "vitosms.toml"
    path.write_text("[sms]\n" + GOOD)
    path.chmod(0o644)
    assert any("chmod 600" in w for w in load_settings(path).warnings)


def test_the_old_gateway_key_points_to_the_sms_section(tmp_path):
    with pytest.raises(UsageError, match=r"\[sms\] gateway = \"smpp\""):
        load(tmp_path, 'gateway = "smpp"\n')
