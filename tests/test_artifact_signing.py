"""Artifacts are signed with Ed25519 over every field: loading refuses an unsigned
artifact, one signed by a key it does not trust and one whose signature does not
match, unless the development flag is set (then it warns). Keys rotate by trusting
several public keys; `sourcing keys generate` gives an operator a first pair."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from engine.artifact import ArtifactError, build_artifact, load_artifact, write_artifact

ROOT = Path(__file__).resolve().parent.parent
FRANCE = (ROOT / "rulesets" / "france.route").read_text(encoding="utf-8")


def document():
    return build_artifact(
        FRANCE,
        name="france",
        version=4,
        published_at=dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC),
        published_by="bob",
    )


def signed(path: Path, key_file: Path) -> Path:
    from engine.artifact import sign_artifact
    from engine.signing import load_signing_key

    return write_artifact(sign_artifact(document(), load_signing_key(key_file)), path)


def rewrite(path: Path, change) -> Path:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    change(loaded)
    path.write_text(json.dumps(loaded), encoding="utf-8")
    return path


def test_a_signed_artifact_loads_and_says_which_key_signed_it(tmp_path, signing):
    from engine.signing import load_trusted_keys

    path = signed(tmp_path / "a.json", signing[0])
    loaded = load_artifact(path)
    assert (loaded.name, loaded.version, loaded.published_by) == ("france", 4, "bob")
    assert loaded.signed_by == load_trusted_keys([signing[1]]).ids()[0]
    assert loaded.summary()["signed_by"] == loaded.signed_by


@pytest.mark.usefixtures("signing")
def test_an_unsigned_artifact_is_refused(tmp_path):
    path = write_artifact(document(), tmp_path / "a.json")
    with pytest.raises(ArtifactError, match="not signed.*SOURCING_SIGNING_KEY"):
        load_artifact(path)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "spain"},
        {"version": 5},
        {"published_by": "mallory"},
        {"published_at": "2027-01-01T00:00:00+00:00"},
        {"extra_fields": ["node.zone"]},
    ],
)
def test_a_reforged_field_outside_the_hash_is_refused(tmp_path, signing, change):
    path = rewrite(signed(tmp_path / "a.json", signing[0]), lambda doc: doc.update(change))
    with pytest.raises(ArtifactError, match="signature does not match"):
        load_artifact(path)


@pytest.mark.usefixtures("signing")
def test_an_artifact_signed_by_an_untrusted_key_is_refused(tmp_path, other_key_pair):
    path = signed(tmp_path / "a.json", other_key_pair[0])
    with pytest.raises(ArtifactError, match="signed by key .* which is not trusted"):
        load_artifact(path)


def test_a_signature_moved_to_another_key_id_is_refused(
    tmp_path, signing, other_key_pair, monkeypatch
):
    from engine.signing import load_trusted_keys

    monkeypatch.setenv("SOURCING_TRUSTED_KEYS", f"{signing[1]}:{other_key_pair[1]}")
    other_id = load_trusted_keys([other_key_pair[1]]).ids()[0]
    path = signed(tmp_path / "a.json", signing[0])
    rewrite(path, lambda doc: doc["signature"].update(key_id=other_id))
    with pytest.raises(ArtifactError, match="signature does not match"):
        load_artifact(path)


def test_keys_rotate_by_trusting_several_public_keys(
    tmp_path, signing, other_key_pair, monkeypatch
):
    old = signed(tmp_path / "old.json", signing[0])
    new = signed(tmp_path / "new.json", other_key_pair[0])
    monkeypatch.setenv("SOURCING_TRUSTED_KEYS", f"{signing[1]}:{other_key_pair[1]}")
    assert load_artifact(old).signed_by != load_artifact(new).signed_by
    monkeypatch.setenv("SOURCING_TRUSTED_KEYS", str(other_key_pair[1]))
    assert load_artifact(new).name == "france"
    with pytest.raises(ArtifactError, match="not trusted"):
        load_artifact(old)


def test_a_malformed_signature_is_refused(tmp_path, signing):
    path = signed(tmp_path / "a.json", signing[0])
    for bad in ("x", {"algorithm": "rsa"}, {"algorithm": "ed25519", "key_id": 1, "value": ""}):
        rewrite(path, lambda doc, bad=bad: doc.update(signature=bad))
        with pytest.raises(ArtifactError, match="signature"):
            load_artifact(path)


def test_the_development_flag_loads_an_unsigned_artifact_and_warns(
    tmp_path, signing, monkeypatch, caplog
):
    path = write_artifact(document(), tmp_path / "a.json")
    monkeypatch.setenv("SOURCING_ALLOW_UNSIGNED", "1")
    with caplog.at_level(logging.WARNING, logger="engine.artifact"):
        loaded = load_artifact(path)
    assert loaded.signed_by is None and loaded.name == "france"
    assert "UNSIGNED" in caplog.text and "SOURCING_ALLOW_UNSIGNED" in caplog.text
    # The flag never lets a signature that a trusted key refutes through.
    tampered = rewrite(signed(tmp_path / "b.json", signing[0]), lambda d: d.update(version=9))
    with pytest.raises(ArtifactError, match="signature does not match"):
        load_artifact(tampered)


def test_unusable_key_files_give_a_clear_error(tmp_path, signing, monkeypatch):
    path = signed(tmp_path / "a.json", signing[0])
    (tmp_path / "junk.pem").write_text("not a key")
    for value in (str(tmp_path / "missing.pem"), str(tmp_path / "junk.pem")):
        monkeypatch.setenv("SOURCING_TRUSTED_KEYS", value)
        with pytest.raises(ArtifactError, match="SOURCING_TRUSTED_KEYS"):
            load_artifact(path)


# ------------------------------------------------------------- the CLI


def test_sourcing_keys_generate_writes_a_key_pair_for_export_and_loading(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv("SOURCING_ALLOW_UNSIGNED", raising=False)
    assert main(["keys", "generate", "--out", str(tmp_path / "keys")]) == 0
    private, public = (
        tmp_path / "keys" / "signing-key.pem",
        tmp_path / "keys" / "signing-key.pub.pem",
    )
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert f"SOURCING_SIGNING_KEY={private}" in out and f"SOURCING_TRUSTED_KEYS={public}" in out
    # Never overwrites a key.
    before = private.read_bytes()
    assert main(["keys", "generate", "--out", str(tmp_path / "keys")]) == 2
    assert "already exists" in capsys.readouterr().err and private.read_bytes() == before

    monkeypatch.setenv("SOURCING_SIGNING_KEY", str(private))
    monkeypatch.setenv("SOURCING_TRUSTED_KEYS", str(public))
    route = tmp_path / "france.route"
    route.write_text(FRANCE, encoding="utf-8")
    assert main(["export", str(route), "--out", str(tmp_path / "a.json")]) == 0
    assert "signed by key" in capsys.readouterr().out
    assert load_artifact(tmp_path / "a.json").signed_by is not None


def test_sourcing_export_without_a_signing_key_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SOURCING_SIGNING_KEY", raising=False)
    monkeypatch.delenv("SOURCING_ALLOW_UNSIGNED", raising=False)
    route = tmp_path / "france.route"
    route.write_text(FRANCE, encoding="utf-8")
    assert main(["export", str(route), "--out", str(tmp_path / "a.json")]) == 2
    assert "SOURCING_SIGNING_KEY" in capsys.readouterr().err
    assert not (tmp_path / "a.json").exists()


@pytest.mark.usefixtures("signing")
def test_the_service_refuses_an_unsigned_artifact_with_exit_2(tmp_path):
    from service.keys import make_key

    path = write_artifact(document(), tmp_path / "a.json")
    (tmp_path / "nodes.csv").write_text("id,type,lat,lon\nDC,dc,45.0,4.0\n")
    (tmp_path / "inventory.csv").write_text("node_id,sku,on_hand\nDC,A,1\n")
    key, _ = make_key("ops", "route,read")
    run = subprocess.run(
        [sys.executable, "-m", "service", "--nodes", str(tmp_path / "nodes.csv"),
         "--inventory", str(tmp_path / "inventory.csv"), "--artifact", str(path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "SOURCING_SERVICE_KEYS": key.line()},
    )  # fmt: skip
    assert run.returncode == 2
    assert "not signed" in run.stderr and "Traceback" not in run.stderr
