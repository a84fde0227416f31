"""A fake OpenAI-compatible chat-completions server, for the LLM backend's tests.

A real socket server (``http.server`` in a thread), not a mocked transport, so timeouts,
bodies cut short and slow answers go through httpx exactly as they would from Ollama or vLLM.

``POST /v1/chat/completions`` reads the numbered criteria from the user message and answers
through a *script*: a list of steps, one consumed per request; when the script is empty every
request gets :meth:`FakeLLM.good`. Steps:

* ``("answer", rewrite)``: a well-formed reply whose content is the JSON the prompt asks for,
  each criterion rewritten by ``rewrite(n, source) -> str | None`` (None leaves it out), and
  framed as the prompt asks (``frame``);
* ``("content", text)``: a well-formed reply whose message content is ``text`` as it is;
* ``("status", code, body, headers)``: that HTTP status;
* ``("truncated", body)``: ``Content-Length`` promises more than is sent, then the socket closes;
* ``("raw", body)``: a 200 with these exact bytes (garbage, half a JSON document …);
* ``("sleep", seconds, step)``: wait, then do ``step``;
* ``("drip", seconds_per_byte)``: a good answer sent one byte at a time.

Every request is recorded (``requests``: the decoded JSON body and the headers).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

ITEM_LINE = re.compile(r"^\s*(\d+)\. \[(can join|cannot join|inclusion|exclusion|other)\] (.*)$")
FRAMES = {"can join": "You can join if ", "cannot join": "You cannot join if "}


def _items(body: dict) -> dict[int, tuple[str, str]]:
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    out = {}
    for line in user.splitlines():
        m = ITEM_LINE.match(line)
        if m:
            out[int(m.group(1))] = (m.group(2), m.group(3))
    return out


def criteria_in(body: dict) -> dict[int, str]:
    """Number → source text of the criteria a request asks about."""
    return {n: source for n, (_, source) in _items(body).items()}


def labels_in(body: dict) -> dict[int, str]:
    """Number → label ("can join", "cannot join", "inclusion", …) of each criterion asked about."""
    return {n: label for n, (label, _) in _items(body).items()}


def envelope(content: str, finish_reason: str = "stop", model: str = "fake-model") -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def answer_content(body: dict, rewrite: Callable[[int, str], str | None], frame: bool = True) -> str:
    """The JSON the prompt asks for. With ``frame``, like a model following the prompt, an item
    labelled [can join] / [cannot join] opens with that framing (unless the rewrite already
    starts with "You")."""
    rewrites = []
    for n, (label, source) in _items(body).items():
        text = rewrite(n, source)
        if text is None:
            continue
        if frame and label in FRAMES and not text.startswith("You"):
            # "Age 18 …" → "You can join if age 18 …"; an acronym ("ECOG 0-1") keeps its case.
            head = text[:1].lower() if text[1:2].islower() else text[:1]
            text = FRAMES[label] + head + text[1:]
        rewrites.append({"n": n, "plain": text})
    return orjson.dumps({"rewrites": rewrites}).decode()


def same(n: int, source: str) -> str:
    """The plainest faithful rewrite there is: the source itself."""
    return source


class FakeLLM:
    def __init__(self) -> None:
        self.script: list[tuple] = []
        self.requests: list[dict] = []
        self.good: Callable[[int, str], str | None] = same
        self.frame = True  # open [can join] / [cannot join] items with their framing
        self._lock = threading.Lock()
        self._stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = orjson.loads(self.rfile.read(length))
                with fake._lock:
                    fake.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                    step = fake.script.pop(0) if fake.script else ("answer", fake.good)
                if self.path != "/v1/chat/completions":
                    step = ("status", 404, b'{"error": {"message": "not found"}}', {})
                fake._do(self, body, step)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    # -- steps --------------------------------------------------------------------------------

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict | None = None,
              length: int | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    def _do(self, h: BaseHTTPRequestHandler, body: dict, step: tuple) -> None:
        kind = step[0]
        if kind == "answer":
            content = answer_content(body, step[1], self.frame)
            self._send(h, 200, orjson.dumps(envelope(content)))
        elif kind == "content":
            finish = step[2] if len(step) > 2 else "stop"
            self._send(h, 200, orjson.dumps(envelope(step[1], finish)))
        elif kind == "status":
            _, code, payload, headers = step
            self._send(h, code, payload, headers)
        elif kind == "raw":
            self._send(h, 200, step[1])
        elif kind == "truncated":
            payload = step[1]
            self._send(h, 200, payload, length=len(payload) + 500)
            h.close_connection = True
        elif kind == "sleep":
            # Wake early when the test ends, so server threads do not outlive it.
            self._stop.wait(step[1])
            if not self._stop.is_set():
                try:
                    self._do(h, body, step[2])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first: that is what is being tested
        elif kind == "drip":
            payload = orjson.dumps(envelope(answer_content(body, self.good, self.frame)))
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            try:
                for i in range(len(payload)):
                    if self._stop.is_set():
                        return
                    h.wfile.write(payload[i : i + 1])
                    h.wfile.flush()
                    time.sleep(step[1])
            except (BrokenPipeError, ConnectionResetError):
                pass
        else:
            raise ValueError(f"unknown step {kind!r}")
