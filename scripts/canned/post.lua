-- wrk script for the raw HTTP ceiling against the canned server: the same POST the SDK sends
-- (JSON body from target/canned/bodies/request.json, api-key header). CANNED_ACCEPT=text/event-stream
-- asks for the SSE body instead of the completion.
--   wrk -t1 -c64 -d10s -s scripts/canned/post.lua \
--     'http://127.0.0.1:18080/openai/deployments/user-tools/chat/completions?api-version=2024-10-21'
local body_file = os.getenv("CANNED_BODY") or "target/canned/bodies/request.json"
local f = io.open(body_file, "rb")
if f then
  wrk.body = f:read("*a")
  f:close()
else
  wrk.body = '{"messages":[{"role":"user","content":"Jason is 25 years old"}]}'
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["api-key"] = "canned"
wrk.headers["Accept"] = os.getenv("CANNED_ACCEPT") or "application/json"
