"""Every container shape people meet reads to the same studies; broken input is kept, not lost."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from cleartrial.errors import SourceError
from cleartrial.sources import FORMAT_JSON, parse_record
from cleartrial.sources.files import iter_json_stream, iter_records


@pytest.fixture(scope="module")
def sample(json_zip):
    with zipfile.ZipFile(json_zip) as zf:
        # NCT000001.json (a real file with a malformed id) is left out here; see test_load.
        names = sorted(n for n in zf.namelist() if n.endswith(".json") and len(n) == 16)[:12]
        return [json.loads(zf.read(n)) for n in names]


def _ids(records):
    return [parse_record(r).nct_id for r in records if not r.error]


def _expected(sample):
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in sample]


def test_one_study_file(tmp_path, sample):
    p = tmp_path / "one.json"
    p.write_text(json.dumps(sample[1], indent=2))
    recs = list(iter_records(p))
    assert len(recs) == 1 and recs[0].fmt == FORMAT_JSON
    assert json.loads(recs[0].data) == sample[1]  # raw bytes are the exact object


def test_array_download(tmp_path, sample):
    p = tmp_path / "download.json"
    p.write_text(json.dumps(sample))
    assert _ids(iter_records(p)) == _expected(sample)


def test_api_page_with_keys_in_any_order(tmp_path, sample):
    p = tmp_path / "page.json"
    p.write_text(json.dumps({"totalCount": 12, "studies": sample, "nextPageToken": "abc"}))
    assert _ids(iter_records(p)) == _expected(sample)
    p.write_text(json.dumps({"nextPageToken": "abc", "studies": sample}))
    assert _ids(iter_records(p)) == _expected(sample)


def test_json_lines(tmp_path, sample):
    p = tmp_path / "studies.jsonl"
    p.write_text("\n".join(json.dumps(s) for s in sample) + "\n")
    assert _ids(iter_records(p)) == _expected(sample)


def test_zip_of_study_files_and_directory(tmp_path, sample, json_zip):
    recs = list(iter_records(json_zip))
    assert len(recs) == 174 and not any(r.error for r in recs)
    d = tmp_path / "dir"
    (d / "sub").mkdir(parents=True)
    for s in sample[:3]:
        (d / "sub" / (s["protocolSection"]["identificationModule"]["nctId"] + ".json")).write_text(json.dumps(s))
    (d / "README.txt").write_text("not a study")
    skipped = []
    assert sorted(_ids(iter_records(d, on_skip=skipped.append))) == sorted(_expected(sample[:3]))
    assert skipped and skipped[0].endswith("README.txt")


def test_large_array_streams_across_chunk_boundaries(sample):
    # Many copies so that the stream crosses several 1 MiB buffer refills.
    blob = json.dumps(sample * 60).encode()
    assert len(blob) > 3 << 20
    ids = _ids(iter_json_stream(io.BytesIO(blob), "big.json"))
    assert ids == _expected(sample) * 60


def test_truncated_array_quarantines_the_tail(sample):
    blob = json.dumps(sample[:3]).encode()
    cut = blob[: len(blob) - 200]
    recs = list(iter_json_stream(io.BytesIO(cut), "cut.json"))
    good = [r for r in recs if not r.error]
    bad = [r for r in recs if r.error]
    assert len(good) == 2
    assert len(bad) == 1 and "invalid JSON" in bad[0].error
    # Nothing is lost: the good records plus the quarantined tail cover the whole input.
    assert bad[0].data and cut.endswith(bad[0].data)


def test_bad_json_line_is_quarantined_and_the_rest_is_read(sample):
    lines = [json.dumps(s) for s in sample[:4]]
    lines[1] = lines[1][:50]  # a cut line
    recs = list(iter_json_stream(io.BytesIO("\n".join(lines).encode()), "x.jsonl"))
    assert [bool(r.error) for r in recs] == [False, True, False, False]
    assert recs[1].data == lines[1].encode()


def test_not_utf8_record_is_quarantined_and_its_neighbours_load(sample):
    good = [json.dumps(s).encode() for s in sample[:3]]
    bad = b'{"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "briefTitle": "Caf\xe9"}}}'
    recs = list(iter_json_stream(io.BytesIO(b"[" + b",".join([good[0], bad, good[1], good[2]]) + b"]"), "mixed.json"))
    assert [bool(r.error) for r in recs] == [False, True, False, False]
    offset = bad.index(b"\xe9")
    assert f"not valid UTF-8 text (byte {offset} of the record)" == recs[1].error
    assert recs[1].data == bad  # the exact bytes, invalid byte included


def test_bad_element_in_a_one_per_line_array_quarantines_the_tail_once(sample):
    lines = [json.dumps(s) for s in sample[:3]]
    text = "[\n" + ",\n".join([lines[0], lines[1][:40], lines[2]]) + "\n]\n"
    recs = list(iter_json_stream(io.BytesIO(text.encode()), "lines-array.json"))
    assert [bool(r.error) for r in recs] == [False, True]
    assert recs[1].data.endswith(b"]\n")


def test_missing_path_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        list(iter_records(tmp_path / "nope.zip"))


def test_unknown_file_named_explicitly_is_refused(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    with pytest.raises(SourceError, match="not a ClinicalTrials.gov"):
        list(iter_records(p))


def test_directory_of_legacy_xml_in_the_allpublicxml_layout(tmp_path, xml_zip):
    with zipfile.ZipFile(xml_zip) as zf:
        names = [n for n in zf.namelist() if n.endswith(".xml")][:3]
        for n in names:
            (tmp_path / n).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / n).write_bytes(zf.read(n))
    recs = list(iter_records(tmp_path))
    assert sorted(parse_record(r).nct_id for r in recs) == sorted(n.split("/")[-1][:-4] for n in names)
    # A single XML file works too.
    assert parse_record(next(iter_records(tmp_path / names[0]))).nct_id == names[0].split("/")[-1][:-4]
