"""The ruleset artifact: exported from a file or the store, loaded back into a
router that decides exactly as one built from the source, and refused when it
was tampered with, written in another format version or malformed in any field.
(Signatures and keys: test_artifact_signing.py.)"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pandas as pd
import pytest

import dsl
import engine
from cli.main import main
from engine.artifact import (
    FORMAT_VERSION,
    ArtifactError,
    build_artifact,
    load_artifact,
    sign_artifact,
    write_artifact,
)

ROOT = Path(__file__).resolve().parent.parent
FRANCE = (ROOT / "rulesets" / "france.route").read_text(encoding="utf-8")
NODES = pd.DataFrame(
    [
        {"id": "DC-LYON", "type": "dc", "lat": 45.76, "lon": 4.84, "priority": 1},
        {"id": "DC-LILLE", "type": "dc", "lat": 50.63, "lon": 3.06, "priority": 2},
        {"id": "ST-PARIS", "type": "store", "lat": 48.86, "lon": 2.35, "tags": "flagship"},
        {"id": "ST-ORLY", "type": "store", "lat": 48.75, "lon": 2.40},
        {"id": "ST-NANTES", "type": "store", "lat": 47.22, "lon": -1.55, "capacity": 3},
    ]
).assign(can_ship=True, pick_cost=0.3, ship_cost_base=4.0, ship_cost_per_km=0.012)


def network_and_stock():
    network = engine.Network.from_frame(NODES)
    rows = [
        {"node_id": node, "sku": sku, "on_hand": on_hand}
        for node, on_hand in [
            ("DC-LYON", 40),
            ("DC-LILLE", 25),
            ("ST-PARIS", 6),
            ("ST-ORLY", 4),
            ("ST-NANTES", 5),
        ]
        for sku in ("A", "B", "C")
    ]
    return network, engine.Inventory.from_frame(pd.DataFrame(rows), network)


def orders(count: int = 120) -> list[engine.Order]:
    rng = random.Random(7)
    start = dt.datetime(2026, 11, 10, 8, 0, tzinfo=dt.UTC)
    out = []
    for i in range(count):
        delivery = rng.choice(["home", "home", "express", "collect"])
        fields = {
            "channel": rng.choice(["web", "marketplace", "store"]),
            "delivery": delivery,
            "tier": rng.choice(["standard", "vip"]),
            "dest_lat": rng.uniform(44.0, 50.0),
            "dest_lon": rng.uniform(-1.0, 5.0),
        }
        if delivery == "collect":
            fields["collect_node"] = rng.choice(["ST-PARIS", "ST-ORLY", "ST-NANTES"])
        lines = tuple(engine.Line(sku, rng.randint(1, 3)) for sku in rng.sample("ABC", 2))
        at = start + dt.timedelta(hours=12 * i)  # from November into the peak season
        out.append(engine.Order(f"O{i:03d}", at, lines, fields))
    return out


@pytest.fixture
def artifact_file(tmp_path, signing) -> Path:  # noqa: ARG001 - signing sets the keys it uses
    document = build_artifact(
        FRANCE,
        name="france",
        version=4,
        published_at=dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC),
        published_by="alice",
    )
    return write_artifact(sign_artifact(document), tmp_path / "france.json")


def tamper(path: Path, change, *, resign: bool = True) -> Path:
    """Change the artifact; `resign` signs it again with the trusted test key, as an
    exporter with the key but another engine (or a bug) would, so that the checks
    behind the signature are reached."""
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(sign_artifact(document) if resign else document), encoding="utf-8")
    return path


def test_the_artifact_records_what_data_md_lists(artifact_file):
    from rulesets.store import content_hash as store_hash

    document = json.loads(artifact_file.read_text(encoding="utf-8"))
    assert document["format_version"] == FORMAT_VERSION
    assert (document["name"], document["version"]) == ("france", 4)
    assert (document["published_at"], document["published_by"]) == (
        "2026-11-01T09:30:00+00:00",
        "alice",
    )
    assert document["text"] == dsl.format_ruleset(dsl.parse(FRANCE))
    assert document["content_hash"] == store_hash(document["text"])  # the store's identity
    compiled = document["compiled"]
    assert compiled["timezone"] == "Europe/Paris"
    assert [st["id"] for st in compiled["strategies"]] == [
        "vip_express",
        "peak_store_protection",
        "click_and_collect",
        "standard_home",
        "dc_backstop",
    ]
    peak = compiled["strategies"][1]
    assert peak["effective"] == [["2026-11-14T23:00:00+00:00", "2026-12-31T23:00:00+00:00"]]
    assert peak["chain"] == ["peak_store_protection", "dc_backstop"]
    assert peak["keep"] == [{"units": 3, "at": 'node.type == "store"'}]


def test_loading_the_artifact_and_parsing_the_source_give_identical_decisions(artifact_file):
    network, stock = network_and_stock()
    from_source = engine.Session(engine.policy_of(FRANCE), network, stock)
    network2, stock2 = network_and_stock()
    from_artifact = engine.Session(engine.policy_of(load_artifact(artifact_file)), network2, stock2)

    batch = orders()
    expected = [d.to_json() for d in from_source.route(batch, explain=True)]
    got = [d.to_json() for d in from_artifact.route(batch, explain=True)]
    assert got == expected
    statuses = {json.loads(line)["status"] for line in got}
    assert {"routed", "backordered"} <= statuses  # the batch reaches the fallbacks


def test_a_tampered_text_is_refused(artifact_file):
    def widen(doc):
        doc.update(text=doc["text"].replace("within 400 km", "within 900 km"))

    tamper(artifact_file, widen, resign=False)
    with pytest.raises(ArtifactError, match="signature does not match"):
        load_artifact(artifact_file)
    tamper(artifact_file, lambda _document: None)  # signed as it now is
    with pytest.raises(ArtifactError, match="content hash mismatch.*changed after export"):
        load_artifact(artifact_file)


def test_a_tampered_compiled_form_is_refused(artifact_file):
    def widen(doc):
        doc["compiled"]["strategies"][0]["within_km"] = 500.0

    tamper(artifact_file, widen)
    with pytest.raises(ArtifactError, match="compiled form differs"):
        load_artifact(artifact_file)


def test_a_text_rewritten_with_a_matching_hash_still_has_to_compile_the_same(artifact_file):
    from engine.artifact import content_hash

    def rewrite(doc):
        doc["text"] = doc["text"].replace("within 400 km", "within 900 km")
        doc["content_hash"] = content_hash(doc["text"])

    tamper(artifact_file, rewrite)
    with pytest.raises(ArtifactError, match="compiled form differs"):
        load_artifact(artifact_file)


def test_another_format_version_is_refused(artifact_file):
    tamper(artifact_file, lambda doc: doc.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ArtifactError, match="format version 3, but this engine reads version 2"):
        load_artifact(artifact_file)


def test_files_that_are_not_artifacts_are_refused(tmp_path):
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_artifact(tmp_path / "a.json")
    (tmp_path / "b.json").write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ArtifactError, match="not a ruleset artifact"):
        load_artifact(tmp_path / "b.json")
    with pytest.raises(ArtifactError, match="cannot read"):
        load_artifact(tmp_path / "missing.json")


# ------------------------------------------------------------- the CLI


@pytest.mark.usefixtures("signing")
def test_sourcing_export_writes_an_artifact_from_a_file(tmp_path, capsys):
    out = tmp_path / "france.json"
    route = tmp_path / "france.route"
    route.write_text(FRANCE, encoding="utf-8")
    assert main(["export", str(route), "--version", "7", "--out", str(out)]) == 0
    assert "France omnichannel v7, sha256" in capsys.readouterr().out
    loaded = load_artifact(out)
    assert (loaded.name, loaded.version, loaded.published_by) == ("France omnichannel", 7, None)
    # --name records another name (it was refused as if it asked for the store).
    assert main(["export", str(route), "--name", "france", "--out", str(out)]) == 0
    assert load_artifact(out).name == "france"


def test_sourcing_export_refuses_a_ruleset_with_errors(tmp_path, capsys):
    route = tmp_path / "bad.route"
    route.write_text(FRANCE.replace("order.delivery", "order.delivry", 1), encoding="utf-8")
    assert main(["export", str(route), "--out", str(tmp_path / "x.json")]) == 1
    err = capsys.readouterr().err
    assert "did you mean `order.delivery`" in err and "nothing was written" in err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.usefixtures("signing")
def test_sourcing_export_reads_the_live_version_of_the_store(tmp_path, capsys, monkeypatch):
    from rulesets.store import RulesetStore

    monkeypatch.delenv("SOURCING_DB_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with RulesetStore.open(url) as store:
        store.save("france", FRANCE, author="alice")
        store.submit("france", 1, by="alice")
        store.publish("france", 1, reviewer="bob")
        store.save("france", FRANCE.replace("400 km", "300 km"), author="alice", based_on=1)
    out = tmp_path / "live.json"

    assert main(["export", "--db", url, "--name", "france", "--out", str(out)]) == 0
    loaded = load_artifact(out)
    assert (loaded.name, loaded.version, loaded.published_by) == ("france", 1, "bob")
    assert loaded.published_at is not None

    assert main(["export", "--db", url, "--name", "france", "--version", "2", "--out", "x"]) == 1
    assert "france v2 is draft: only a published version" in capsys.readouterr().err
    assert main(["export", "--db", url, "--name", "spain", "--out", "x"]) == 1


# ------------------------------------------------- hostile documents (never a traceback)


def raw_artifact(tmp_path: Path, change=None, text: str | None = None) -> Path:
    """An artifact file as an attacker writes it: no signature needed to reach the checks."""
    path = tmp_path / "hostile.json"
    if text is None:
        document = build_artifact(FRANCE, name="france", version=4)
        if change:
            change(document)
        text = json.dumps(document)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_deeply_nested_artifact_is_refused_without_a_traceback(tmp_path):
    for text in ("[" * 100_000 + "]" * 100_000, '{"format": ' + "[" * 50 + "]" * 50 + "}"):
        with pytest.raises(ArtifactError, match="nested"):
            load_artifact(raw_artifact(tmp_path, text=text))


@pytest.mark.parametrize("bad", [5, [1], "node.zone", [None], {"a": 1}])
def test_extra_fields_of_the_wrong_type_are_refused(tmp_path, bad):
    with pytest.raises(ArtifactError, match="extra_fields"):
        load_artifact(raw_artifact(tmp_path, lambda doc: doc.update(extra_fields=bad)))


@pytest.mark.parametrize("bad", [float(FORMAT_VERSION), True, str(FORMAT_VERSION), None])
def test_a_format_version_that_is_not_an_exact_integer_is_refused(tmp_path, bad):
    with pytest.raises(ArtifactError, match="format_version.*whole number"):
        load_artifact(raw_artifact(tmp_path, lambda doc: doc.update(format_version=bad)))


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("version", True),
        ("version", 1.5),
        ("version", 0),
        ("version", 2**63),
        ("name", 5),
        ("published_by", ["a"]),
        ("published_at", "yesterday"),
        ("content_hash", 5),
        ("text", None),
        ("compiled", "x"),
        ("surprise", 1),
    ],
)
def test_every_field_of_the_document_is_type_checked(tmp_path, field, bad):
    with pytest.raises(ArtifactError, match=field):
        load_artifact(raw_artifact(tmp_path, lambda doc: doc.update({field: bad})))


def test_an_oversized_artifact_is_refused_before_parsing(tmp_path):
    from engine.artifact import MAX_ARTIFACT_BYTES

    text = json.dumps(build_artifact(FRANCE, name="france")) + " " * MAX_ARTIFACT_BYTES
    with pytest.raises(ArtifactError, match="larger than the limit"):
        load_artifact(raw_artifact(tmp_path, text=text))


@pytest.mark.parametrize(
    "text",
    ['{"version": ' + "9" * 5000 + "}", '{"a": NaN}', '{"a": 1, "a": 2}', "\ufeff{}", "[]"],
)
def test_json_that_python_reads_loosely_is_refused_clearly(tmp_path, text):
    with pytest.raises(ArtifactError):
        load_artifact(raw_artifact(tmp_path, text=text))


@pytest.mark.usefixtures("signing")
def test_export_never_writes_an_artifact_loading_would_refuse(tmp_path, capsys):
    route = tmp_path / "france.route"
    route.write_text(FRANCE, encoding="utf-8")
    out = tmp_path / "a.json"
    assert main(["export", str(route), "--name", "x" * 1001, "--out", str(out)]) == 2
    assert "field 'name': String should have at most 1000 characters" in capsys.readouterr().err
    assert not out.exists()
