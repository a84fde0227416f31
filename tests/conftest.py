"""Shared fixtures. Real records come from the read-only shared folder, never from copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Trial pages look their drugs up at openFDA on first view. Tests never reach the real service:
# set here, at import, so that apps created while modules are collected see it too. The drug
# safety tests point the web app and the client at a local fake (tests/fake_openfda.py).
os.environ["CLEARTRIAL_OPENFDA_URL"] = "off"


def shared_data_path() -> Path:
    """The shared data folder: $CLEARTRIAL_SHARED_DATA, else ../shared/data beside the repo."""
    return Path(os.environ.get("CLEARTRIAL_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_path()
    if not (path / "ctgov").is_dir():
        # Failing (not skipping) keeps CI honest: these tests are the proof on real records.
        pytest.fail(
            f"Shared data not found at {path}. Set CLEARTRIAL_SHARED_DATA to the folder that "
            "holds ctgov/ctg-studies-sample.json.zip and ctgov/AllPublicXML-sample.zip."
        )
    return path


@pytest.fixture(scope="session")
def json_zip(shared_data: Path) -> Path:
    return shared_data / "ctgov" / "ctg-studies-sample.json.zip"


@pytest.fixture(scope="session")
def xml_zip(shared_data: Path) -> Path:
    return shared_data / "ctgov" / "AllPublicXML-sample.zip"


@pytest.fixture(scope="session")
def loaded_db(tmp_path_factory, xml_zip, json_zip):
    """A database holding every shared record (loaded once per test session) and its report."""
    from cleartrial.loader import load_paths
    from cleartrial.store import Store

    path = tmp_path_factory.mktemp("corpus") / "corpus.db"
    with Store(path) as store:
        report = load_paths(store, [xml_zip, json_zip])
    return path, report
