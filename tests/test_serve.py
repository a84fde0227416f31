"""`cleartrial serve` as a real process: it serves the site, and its logs hold no query strings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-m", "cleartrial.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_refuses_a_missing_database(tmp_path):
    r = subprocess.run([*CLI, "--db", str(tmp_path / "none.db"), "serve"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "No database" in r.stderr and "load" in r.stderr


def test_serve_answers_and_logs_no_personal_details(loaded_db, tmp_path):
    path, _ = loaded_db
    port = _free_port()
    log = (tmp_path / "server.log").open("w+")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*CLI, "--db", str(path), "serve", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/about", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("the server did not start: " + Path(log.name).read_text())
                time.sleep(0.2)
        r = httpx.get(base + "/search", params={"q": "hepatitis", "near": "Boston, MA", "age": "57", "sex": "female"})
        assert r.status_code == 200 and "trials" in r.text
        assert "server" not in r.headers  # no software banner
        r = httpx.get(base + "/api/v1/search", params={"q": "hepatitis", "age": "fifty"})
        assert r.status_code == 400
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    text = Path(log.name).read_text()
    assert "GET /search 200" in text, text  # requests are logged…
    for secret in ("hepatitis", "Boston", "fifty", "female", "age=", "?"):
        assert secret not in text  # …without what the person typed
