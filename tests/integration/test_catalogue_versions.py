"""Catalogue versions on both stores: a new version takes force; an item out of force takes no records."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sincerity.kit.errors import DataFileError
from sincerity.services.catalogue import current_catalogue, load_catalogue_file
from sincerity.services.context import Services
from sincerity.services.ingest import submit_records
from sincerity.store import files
from tests.factories import institution, record
from tests.integration.test_ingest import pick


def write_version(tmp_path: Path, *, version: str, edit: dict[str, dict[str, object]]) -> Path:
    document = files.load_yaml(files.shipped("catalogue.yaml"))
    document["version"] = version
    for item in document["items"]:
        item.update(edit.get(item["code"], {}))
    path = tmp_path / f"catalogue-{version}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_a_new_version_takes_force_and_records_cite_it(services: Services, tmp_path: Path) -> None:
    institution(services)
    code = pick(services)
    loaded = load_catalogue_file(services, write_version(tmp_path, version="2026.9", edit={}))
    assert loaded.new
    assert current_catalogue(services).version == "2026.9"
    submit_records(services, [record(item=code)], provider="dept-110000", source="test")
    from sincerity.store import records as record_store

    with services.db.transaction(write=False) as conn:
        [stored] = record_store.versions_of(conn, "dept-110000", "R-1")
    assert stored.catalogue_version == "2026.9"


def test_an_item_no_longer_in_force_takes_no_records(services: Services, tmp_path: Path) -> None:
    institution(services)
    code = pick(services)
    path = write_version(
        tmp_path, version="2026.8", edit={code: {"in_force_from": "2016-12-30", "in_force_until": "2026-06-30"}}
    )
    load_catalogue_file(services, path)
    summary = submit_records(services, [record(item=code)], provider="dept-110000", source="test", keep_results=True)
    assert summary.rejected == 1
    assert "not in force" in (summary.results[0].reason or "")


def test_a_catalogue_file_that_widens_the_law_is_refused_with_file_path_and_reason(
    services: Services, tmp_path: Path
) -> None:
    code = pick(services)
    path = write_version(tmp_path, version="2026.7", edit={code: {"display_period": "P5Y"}})
    with pytest.raises(DataFileError) as raised:
        load_catalogue_file(services, path)
    message = raised.value.message
    assert str(path) in message
    assert f"({code})" in message
    assert "Order No. 36" in message
    assert current_catalogue(services).version != "2026.7"


def test_a_grant_the_catalogue_in_force_no_longer_allows_is_refused(services: Services, tmp_path: Path) -> None:
    institution(services)
    code = pick(services)
    load_catalogue_file(services, write_version(tmp_path, version="2026.6", edit={code: {"providers": ["court"]}}))
    summary = submit_records(services, [record(item=code)], provider="dept-110000", source="test", keep_results=True)
    assert summary.rejected == 1
    assert "lets only court provide" in (summary.results[0].reason or "")
