"""A local OpenAI-compatible chat-completions server for tests: real HTTP, scripted answers.

    stub = StubLLM(good={"title": "...", ...})
    stub.start()
    stub.script(TRUNCATED, GOOD)            # the next two requests; then `default` (GOOD)
    settings.LLM_BASE_URL = stub.url        # http://127.0.0.1:<port>/v1
    ...
    stub.requests[1].body["messages"]       # what the client sent
    stub.stop()

It answers POST /v1/chat/completions (and /chat/completions). A good answer is a tool call
to the first tool in the request (the client uses function calling), with a usage block.
Other answers: the JSON as text in a ```json fence, JSON inside prose, truncated JSON, valid
JSON missing a field, prose only, 429 with Retry-After, an HTTP error, and a hang.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PROSE = "Ah, a fine question! The road north is dangerous, and I would not go there at night."


@dataclass(frozen=True)
class Answer:
    """How the stub answers one request."""

    kind: str
    retry_after: str = ""
    status: int = 0


GOOD = Answer("good")  # a tool call with the good object
FENCED = Answer("fenced")  # the good object as text in a ```json fence
PROSE_JSON = Answer("prose_json")  # the good object as text, with prose before and after
TRUNCATED = Answer("truncated")  # a tool call whose arguments are cut off mid-JSON
MISSING_FIELD = Answer("missing_field")  # a tool call with valid JSON lacking one required field
PROSE_ONLY = Answer("prose")  # text, no JSON at all
SERVER_ERROR = Answer("http", status=500)
HANG = Answer("hang")  # no answer for `hang_seconds`


def rate_limited(retry_after: str = "1") -> Answer:
    return Answer("http", retry_after=retry_after, status=429)


def http_error(status: int) -> Answer:
    return Answer("http", status=status)


@dataclass
class StubRequest:
    path: str
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]
    answer: Answer
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def tool_names(self) -> list[str]:
        return [tool["function"]["name"] for tool in self.body.get("tools", [])]

    @property
    def last_user_message(self) -> str:
        users = [m for m in self.body.get("messages", []) if m.get("role") == "user"]
        content = users[-1]["content"] if users else ""
        return content if isinstance(content, str) else json.dumps(content)


@dataclass
class StubLLM:
    good: dict[str, Any]
    missing_field: str = ""  # default: the last key of `good`
    prompt_tokens: int = 120
    completion_tokens: int = 30
    cost: float | None = None  # a `usage.cost` like OpenRouter's, or none (cost is then computed)
    hang_seconds: float = 5.0
    default: Answer = GOOD
    requests: list[StubRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *answers: Answer) -> StubLLM:
        with self._lock:
            self._queue.extend(answers)
        return self

    def start(self) -> StubLLM:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                stub._handle(self)

            def log_message(self, format, *args) -> None:  # noqa: A002 - quiet test output
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="llm-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- answering ----------------------------------------------------------------------

    def _next_answer(self) -> Answer:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b"{}"
        path = handler.path.split("?")[0]
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._send(handler, 404, {"error": {"message": f"no route {path}", "code": 404}})
            return
        body = json.loads(raw or b"{}")
        answer = self._next_answer()
        with self._lock:
            headers = {name.lower(): value for name, value in handler.headers.items()}
            self.requests.append(StubRequest(path=path, headers=headers, body=body, answer=answer))

        if answer.kind == "hang":
            self._stopping.wait(self.hang_seconds)
            answer = GOOD  # far too late: the client has given up
        if answer.kind == "http":
            extra = {"Retry-After": answer.retry_after} if answer.retry_after else {}
            error = {"error": {"message": f"stub says {answer.status}", "code": answer.status}}
            self._send(handler, answer.status, error, extra)
            return
        self._send(handler, 200, self._completion(body, answer))

    def _completion(self, request: dict[str, Any], answer: Answer) -> dict[str, Any]:
        tools = request.get("tools") or []
        tool = tools[0]["function"]["name"] if tools else "answer"
        good_json = json.dumps(self.good)
        message: dict[str, Any] = {"role": "assistant", "content": None}
        finish = "tool_calls"

        def tool_call(arguments: str) -> None:
            message["tool_calls"] = [
                {"id": "call_stub_1", "type": "function", "function": {"name": tool, "arguments": arguments}}
            ]

        if answer.kind == "good":
            tool_call(good_json)
        elif answer.kind == "truncated":
            tool_call(good_json[: len(good_json) // 2])
            finish = "length"
        elif answer.kind == "missing_field":
            missing = self.missing_field or list(self.good)[-1]
            tool_call(json.dumps({k: v for k, v in self.good.items() if k != missing}))
        elif answer.kind == "fenced":
            message["content"] = f"```json\n{json.dumps(self.good, indent=2)}\n```"
            finish = "stop"
        elif answer.kind == "prose_json":
            message["content"] = f"Here is the answer you asked for: {good_json} I hope it serves your table."
            finish = "stop"
        elif answer.kind == "prose":
            message["content"] = PROSE
            finish = "stop"
        else:
            raise ValueError(f"unknown stub answer {answer}")
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }
        if self.cost is not None:
            usage["cost"] = self.cost
        return {
            "id": f"gen-stub-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "stub"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": usage,
        }

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, payload: dict, headers: dict | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass
