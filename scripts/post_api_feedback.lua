-- wrk script: POST distinct thank-you notes to /api/v1/feedback. Each is stored: bodies
-- differ, and each comes from its own customer address (receipts to one address are capped
-- per hour, which would otherwise make later notes cheaper). The JSON API needs no form
-- token; the HTML form's tokens work once, so a replayed one would measure refusals.
-- Needs REP (a handle) in the environment.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  rep = os.getenv("REP") or "maria"
end

function request()
  counter = counter + 1
  local n = id .. "-" .. counter .. "-" .. math.random(1, 1000000000)
  local body = '{"kind":"thanks","rep_handle":"' .. rep .. '",' ..
    '"customer":{"name":"Bench Customer","email":"bench-' .. n .. '@example.com"},' ..
    '"body":"Thank you for your help, note ' .. n .. '",' ..
    '"consent":{"publish":true,"display":"first"},"channel":"phone"}'
  return wrk.format("POST", "/api/v1/feedback", { ["Content-Type"] = "application/json" }, body)
end
