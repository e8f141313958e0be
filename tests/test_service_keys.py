"""API keys: made by `python -m service keys`, stored hashed, read from the
environment or a file that is read again when it changes (rotation without a
restart), and the service refusing to start without them or with bad settings."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from service_world import order, serve, write_files

from service.__main__ import main as service_main
from service.keys import KeyRing, KeysProblem, parse_keys
from service.settings import ServiceSettings, SettingsProblem

ROOT = Path(__file__).resolve().parent.parent


def add_key(capsys, path: Path, name: str, scopes: str) -> str:
    assert service_main(["keys", "add", name, "--scopes", scopes, "--file", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "shown once" in err
    return out.strip()


def test_a_key_is_printed_once_and_stored_only_as_its_hash(tmp_path, capsys):
    path = tmp_path / "keys.txt"
    token = add_key(capsys, path, "oms-prod", "route,read")
    assert token.startswith("sst_") and len(token) > 40
    text = path.read_text(encoding="utf-8")
    assert token not in text
    assert f"oms-prod:read,route:sha256:{hashlib.sha256(token.encode()).hexdigest()}" in text
    assert os.stat(path).st_mode & 0o777 == 0o600
    [key] = KeyRing.from_file(path).keys
    assert KeyRing.from_file(path).find(token) == key
    assert KeyRing.from_file(path).find(token + "x") is None
    assert key.allows("route") and key.allows("read") and not key.allows("events")

    assert service_main(["keys", "list", "--file", str(path)]) == 0
    assert capsys.readouterr().out == "oms-prod\tread,route\n"
    assert service_main(["keys", "add", "oms-prod", "--scopes", "read", "--file", str(path)]) == 2
    assert "exists; remove it first" in capsys.readouterr().err
    assert service_main(["keys", "add", "x", "--scopes", "root", "--file", str(path)]) == 2
    assert "scopes must be some of route, read, events, holds, admin" in capsys.readouterr().err
    assert service_main(["keys", "remove", "oms-prod", "--file", str(path)]) == 0
    assert KeyRing.from_file(path).keys == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("oms:route:md5:abc", "expected NAME:SCOPES:sha256:HEX"),
        ("oms:route:sha256:abc", "64 hexadecimal digits"),
        ("oms:sudo:sha256:" + "0" * 64, "scopes must be some of"),
        ("oms:route:sha256:" + "0" * 64 + "\noms:read:sha256:" + "1" * 64, "its own"),
    ],
)
def test_a_bad_keys_file_names_its_line(text, message):
    with pytest.raises(KeysProblem, match=message) as refused:
        parse_keys(text, "keys.txt")
    assert "keys.txt, line" in str(refused.value)


def test_keys_rotate_without_a_restart(tmp_path, capsys):
    path = tmp_path / "keys.txt"
    old = add_key(capsys, path, "oms-2026-11", "route")
    ring = KeyRing.from_file(path)
    assert ring.find(old) is not None
    new = add_key(capsys, path, "oms-2026-12", "route")
    assert ring.find(new) is not None and ring.find(old) is not None  # both during the switch
    assert service_main(["keys", "remove", "oms-2026-11", "--file", str(path)]) == 0
    assert ring.find(old) is None and ring.find(new) is not None
    path.write_text("not a key line\n", encoding="utf-8")
    assert ring.find(new) is not None  # a broken file keeps the keys in force
    assert "keys.txt, line 1: expected NAME:SCOPES:sha256:HEX" in capsys.readouterr().err


def test_settings_come_from_the_environment(tmp_path, capsys):
    path = tmp_path / "keys.txt"
    token = add_key(capsys, path, "oms", "route")
    settings = ServiceSettings.from_environment(
        {
            "SOURCING_SERVICE_KEYS_FILE": str(path),
            "SOURCING_SERVICE_MAX_BODY_BYTES": "2048",
            "SOURCING_SERVICE_MAX_AHEAD_SECONDS": "60",
            "SOURCING_SERVICE_FINISHED_IDS": "10",
        }
    )
    assert settings.keys.find(token).name == "oms"
    assert settings.max_body_bytes == 2048 and settings.finished_ids == 10
    assert settings.window.ahead.total_seconds() == 60
    assert settings.window.behind.total_seconds() == 7 * 86_400
    line = path.read_text(encoding="utf-8").splitlines()[1]
    from_variable = ServiceSettings.from_environment({"SOURCING_SERVICE_KEYS": f"  {line}  "})
    assert from_variable.keys.find(token) is not None
    with pytest.raises(KeysProblem, match="no API key: set SOURCING_SERVICE_KEYS_FILE"):
        ServiceSettings.from_environment({})
    for value in ("-1", "0", "1e6", "lots", "²"):
        with pytest.raises(SettingsProblem, match="MAX_BODY_BYTES must be a whole number from 1"):
            ServiceSettings.from_environment(
                {"SOURCING_SERVICE_KEYS": line, "SOURCING_SERVICE_MAX_BODY_BYTES": value}
            )


@pytest.mark.usefixtures("signing")
def test_the_service_does_not_start_without_keys(tmp_path):
    files = write_files(tmp_path)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SOURCING_SERVICE")}
    command = [
        sys.executable, "-m", "service", "--nodes", str(files["nodes"]),
        "--inventory", str(files["inventory"]), "--artifact", str(files["artifact"]),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "python -m service: no API key: set SOURCING_SERVICE_KEYS_FILE" in done.stderr


@pytest.mark.usefixtures("signing")
def test_a_key_works_over_http_and_a_removed_key_stops_at_once(tmp_path, capsys):
    """Through the real service: the keys file the service reads is rotated live."""
    path = tmp_path / "keys.txt"
    token = add_key(capsys, path, "oms", "route")
    files = write_files(tmp_path)
    with serve(files, keys=KeyRing.from_file(path)) as running:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=running.base, headers=headers) as client:
            assert client.post("/route", json={"order": order("K1")}).status_code == 200
            assert client.get("/ruleset").status_code == 403
            assert service_main(["keys", "remove", "oms", "--file", str(path)]) == 0
            assert client.post("/route", json={"order": order("K2")}).status_code == 401
