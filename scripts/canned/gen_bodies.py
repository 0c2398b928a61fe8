#!/usr/bin/env python3
"""Writes the canned replies nginx serves for the load tool (examples/loadgen.rs).

Every deployment NAME gets two files in OUT:
  NAME.json  the non-streamed Azure chat completion (served for `Accept: application/json`)
  NAME.sse   the streamed one (`Accept: text/event-stream`): Azure's chunk shapes (a filter-only
             first chunk with empty `choices`, delta chunks, a finish chunk, a usage-only chunk)
             and `data: [DONE]`; the object arrives as 4-character deltas, as tool-call argument
             deltas (`*-tools`) or content deltas (`*-json`).

Deployments:
  user-tools, user-json        the guide's User {"name": "Jason", "age": 25}
  team-<N>k-tools, -json       a Team {"team", "members": [{"name", "age", "bio"}...]} of about N KB
                               (one per size given with --sizes)

Also request.json: a body like the one the SDK sends for User in tools mode, for wrk's POST.
Usage: gen_bodies.py OUT [--sizes 1,80] [--delta 4]
"""
import argparse
import json
import os

FILTER_OK = {
    "hate": {"filtered": False, "severity": "safe"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": False, "severity": "safe"},
}
PROMPT_FILTER = [{"prompt_index": 0, "content_filter_results": FILTER_OK}]
ID = "chatcmpl-AzCanned000000000000000000000"
MODEL = "gpt-4o-mini-2024-07-18"
CREATED = 1764000000
USAGE = {"prompt_tokens": 61, "completion_tokens": 10, "total_tokens": 71}


def dumps(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def user():
    return {"name": "Jason", "age": 25}


def team(kb):
    target = kb * 1024
    words = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
             "incididunt ut labore et dolore magna aliqua").split()
    members = []
    obj = {"team": "Platform engineering", "members": members}
    i = 0
    while len(dumps(obj).encode()) < target:
        bio = " ".join(words[(i + k) % len(words)] for k in range(8)) + "."
        members.append({"name": f"Member {i:05}", "age": 20 + i % 50, "bio": bio})
        i += 1
    return obj


def completion(message, finish):
    return {
        "id": ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "system_fingerprint": "fp_canned",
        "prompt_filter_results": PROMPT_FILTER,
        "choices": [{
            "index": 0,
            "message": message,
            "finish_reason": finish,
            "logprobs": None,
            "content_filter_results": {} if finish == "tool_calls" else FILTER_OK,
        }],
        "usage": USAGE,
    }


def tool_message(name, args):
    return {"role": "assistant", "content": None, "refusal": None, "tool_calls": [
        {"id": "call_canned", "type": "function", "function": {"name": name, "arguments": args}}]}


def pieces(text, n):
    return [text[i:i + n] for i in range(0, len(text), n)]


def chunk(delta, finish=None, filters=True):
    choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
    if filters:
        choice["content_filter_results"] = FILTER_OK if delta.get("content") else {}
    return {"id": ID, "object": "chat.completion.chunk", "created": CREATED, "model": MODEL,
            "system_fingerprint": "fp_canned", "choices": [choice]}


def sse(deltas, finish):
    events = [{"id": "", "object": "", "created": 0, "model": "", "choices": [],
               "prompt_filter_results": PROMPT_FILTER}]
    events += [chunk(d) for d in deltas]
    events.append(chunk({}, finish, filters=False))
    events.append({"id": ID, "object": "chat.completion.chunk", "created": CREATED, "model": MODEL,
                   "system_fingerprint": "fp_canned", "choices": [], "usage": USAGE})
    return "".join(f"data: {dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"


def tool_deltas(name, args, n):
    first = {"role": "assistant", "content": None, "tool_calls": [
        {"index": 0, "id": "call_canned", "type": "function",
         "function": {"name": name, "arguments": ""}}]}
    return [first] + [{"tool_calls": [{"index": 0, "function": {"arguments": p}}]}
                      for p in pieces(args, n)]


def content_deltas(text, n):
    return [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces(text, n)]


def write(out, name, data):
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        f.write(data)


def deployment(out, name, tool, obj, delta):
    args = dumps(obj)
    if name.endswith("-tools"):
        write(out, name + ".json", dumps(completion(tool_message(tool, args), "tool_calls")))
        write(out, name + ".sse", sse(tool_deltas(tool, args, delta), "tool_calls"))
    else:
        msg = {"role": "assistant", "content": args, "refusal": None}
        write(out, name + ".json", dumps(completion(msg, "stop")))
        write(out, name + ".sse", sse(content_deltas(args, delta), "stop"))
    return len(args.encode()), len(pieces(args, delta))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--sizes", default="1,80", help="Team sizes in KB, comma-separated")
    p.add_argument("--delta", type=int, default=4, help="characters per delta")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for suffix in ("tools", "json"):
        size, n = deployment(a.out, f"user-{suffix}", "User", user(), a.delta)
        print(f"user-{suffix}: object {size} B, {n} deltas")
        for kb in (int(s) for s in a.sizes.split(",") if s):
            size, n = deployment(a.out, f"team-{kb}k-{suffix}", "Team", team(kb), a.delta)
            print(f"team-{kb}k-{suffix}: object {size} B, {n} deltas")
    request = {
        "messages": [{"role": "user", "content": "Jason is 25 years old"}],
        "tools": [{"type": "function", "function": {
            "name": "User", "description": "A person mentioned in the text.",
            "parameters": {"type": "object", "properties": {
                "name": {"type": "string", "description": "First name only."},
                "age": {"type": "integer", "format": "uint32", "minimum": 0, "maximum": 150}},
                "required": ["name", "age"], "title": "User"}}}],
        "tool_choice": {"type": "function", "function": {"name": "User"}},
    }
    write(a.out, "request.json", dumps(request))


if __name__ == "__main__":
    main()
