"""The Responses API for the local model, translated to and from chat completions.

llama.cpp answers ``/v1/responses`` itself, but ignores ``text.format`` (no
constrained decoding) and a named ``tool_choice``; its chat-completions
endpoint, behind the front's shim, honours both. So the front serves
``POST /v1/responses`` (and Azure's ``/openai/v1/responses`` and
``/openai/responses``) by translating:

* the request to a chat request: ``instructions`` -> a system message,
  ``input`` items -> messages (``function_call`` items -> an assistant
  message's ``tool_calls``, ``function_call_output`` -> ``tool`` messages,
  reasoning items dropped), flat function ``tools`` -> chat tools, a named
  ``tool_choice`` -> the chat form, ``text.format`` json_schema ->
  ``response_format``, ``max_output_tokens`` -> ``max_tokens``;
* the chat completion back to a response: ``output`` items (a message with
  ``output_text``, ``function_call`` items), ``status`` (``incomplete`` with
  ``max_output_tokens`` when the chat was cut at the token limit), ``usage``;
* a chat stream back to Responses events (``response.created``,
  ``response.output_item.added``, ``response.output_text.delta``,
  ``response.function_call_arguments.delta``, then ``response.completed`` or
  ``response.incomplete`` with the whole response), each with an ``event:``
  line and no ``[DONE]``, as the service sends them.

``store: true`` keeps the conversation in memory under the response's id, so
``previous_response_id`` continues it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

_STORED: dict[str, list] = {}
_LOCK = threading.Lock()


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def _text(content) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for part in content or []:
        if isinstance(part, dict) and part.get("type") in ("input_text", "output_text", "text"):
            parts.append(part.get("text", ""))
    return "\n".join(parts)


def _messages(items) -> list:
    """Responses input items as chat messages."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    messages: list = []
    for item in items or []:
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role", "user")
            messages.append({"role": role, "content": _text(item.get("content"))})
        elif kind == "function_call":
            call = {
                "id": item.get("call_id") or _id("call"),
                "type": "function",
                "function": {"name": item.get("name", ""), "arguments": item.get("arguments", "")},
            }
            last = messages[-1] if messages else None
            if last and last.get("role") == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id", ""),
                    "content": output if isinstance(output, str) else json.dumps(output),
                }
            )
        # reasoning and other items have no chat form: dropped
    return messages


def to_chat(body: dict) -> dict:
    """A Responses request as a chat-completions request."""
    messages = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": _text(body["instructions"])})
    previous = body.get("previous_response_id")
    if previous:
        with _LOCK:
            history = _STORED.get(previous)
        if history is None:
            raise KeyError(previous)
        messages += [m for m in history if m.get("role") != "system"]
    messages += _messages(body.get("input"))
    chat: dict = {"model": body.get("model", ""), "messages": messages}
    for key in ("temperature", "top_p", "stream", "user", "parallel_tool_calls"):
        if key in body:
            chat[key] = body[key]
    if body.get("max_output_tokens") is not None:
        chat["max_tokens"] = body["max_output_tokens"]
    tools = body.get("tools") or []
    if tools:
        chat["tools"] = [
            {
                "type": "function",
                "function": {
                    k: t[k] for k in ("name", "description", "parameters", "strict") if k in t
                },
            }
            for t in tools
            if t.get("type") == "function"
        ]
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        chat["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif choice is not None:
        chat["tool_choice"] = choice
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        chat["response_format"] = {
            "type": "json_schema",
            "json_schema": {k: fmt[k] for k in ("name", "description", "schema", "strict") if k in fmt},
        }
    elif fmt.get("type") == "json_object":
        chat["response_format"] = {"type": "json_object"}
    return chat


def _usage(usage: dict | None) -> dict:
    usage = usage or {}
    cached = ((usage.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0
    reasoning = ((usage.get("completion_tokens_details") or {}).get("reasoning_tokens")) or 0
    return {
        "input_tokens": usage.get("prompt_tokens", 0),
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": usage.get("completion_tokens", 0),
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": usage.get("total_tokens", 0),
    }


def _output(content: str, calls: list) -> list:
    items = []
    if content:
        items.append(
            {
                "type": "message",
                "id": _id("msg"),
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": content, "annotations": [], "logprobs": []}],
            }
        )
    for call in calls:
        items.append(
            {
                "type": "function_call",
                "id": _id("fc"),
                "call_id": call.get("id") or _id("call"),
                "name": (call.get("function") or {}).get("name", ""),
                "arguments": (call.get("function") or {}).get("arguments", ""),
                "status": "completed",
            }
        )
    return items


def _response(request: dict, chat_messages: list, content: str, calls: list, finish, usage) -> dict:
    rid = _id("resp")
    status = "incomplete" if finish == "length" else "completed"
    response = {
        "id": rid,
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "model": request.get("model", ""),
        "output": _output(content, calls),
        "usage": _usage(usage),
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
    }
    if request.get("store"):
        assistant = {"role": "assistant", "content": content or None}
        if calls:
            assistant["tool_calls"] = calls
        with _LOCK:
            _STORED[rid] = chat_messages + [assistant]
    return response


def from_chat(request: dict, history: dict, completion: dict) -> dict:
    """A chat completion as a Responses response."""
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    return _response(
        request,
        history["messages"],
        message.get("content") or "",
        message.get("tool_calls") or [],
        choice.get("finish_reason"),
        completion.get("usage"),
    )


class StreamTranslator:
    """Chat-completion chunks in, Responses API events out."""

    def __init__(self, request: dict, history: dict) -> None:
        self.request = request
        self.history = history
        self.seq = 0
        self.content = ""
        self.message_index: int | None = None
        self.calls: dict[int, dict] = {}
        self.call_index: dict[int, int] = {}
        self.next_index = 0
        self.finish = None
        self.usage = None

    def _event(self, kind: str, **fields) -> tuple[str, dict]:
        event = {"type": kind, "sequence_number": self.seq, **fields}
        self.seq += 1
        return kind, event

    def start(self) -> list:
        stub = {"id": _id("resp"), "object": "response", "status": "in_progress", "output": []}
        return [self._event("response.created", response=stub)]

    def chunk(self, chunk: dict) -> list:
        out = []
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("finish_reason"):
                self.finish = choice["finish_reason"]
            delta = choice.get("delta") or {}
            text = delta.get("content")
            if text:
                if self.message_index is None:
                    self.message_index = self.next_index
                    self.next_index += 1
                    item = {"type": "message", "id": _id("msg"), "role": "assistant",
                            "status": "in_progress", "content": []}
                    out.append(self._event("response.output_item.added",
                                           output_index=self.message_index, item=item))
                self.content += text
                out.append(self._event("response.output_text.delta", item_id="msg",
                                       output_index=self.message_index, content_index=0,
                                       delta=text, logprobs=[]))
            for call in delta.get("tool_calls") or []:
                idx = call.get("index", 0)
                fn = call.get("function") or {}
                if idx not in self.calls:
                    self.calls[idx] = {"id": call.get("id") or _id("call"), "type": "function",
                                       "function": {"name": fn.get("name") or "", "arguments": ""}}
                    self.call_index[idx] = self.next_index
                    self.next_index += 1
                    item = {"type": "function_call", "id": _id("fc"), "call_id": self.calls[idx]["id"],
                            "name": self.calls[idx]["function"]["name"], "arguments": "",
                            "status": "in_progress"}
                    out.append(self._event("response.output_item.added",
                                           output_index=self.call_index[idx], item=item))
                args = fn.get("arguments")
                if args:
                    self.calls[idx]["function"]["arguments"] += args
                    out.append(self._event("response.function_call_arguments.delta", item_id="fc",
                                           output_index=self.call_index[idx], delta=args))
        return out

    def end(self) -> list:
        calls = [self.calls[i] for i in sorted(self.calls)]
        response = _response(self.request, self.history["messages"], self.content, calls,
                             self.finish, self.usage)
        kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        return [self._event(kind, response=response)]


def sse(events: list) -> bytes:
    return b"".join(
        f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode() for kind, data in events
    )
