-- wrk script: POST distinct thank-you notes to /api/v1/feedback. Each is stored: bodies
-- differ, and each comes from its own customer address (receipts to one address are capped
-- per hour, which would otherwise make later notes cheaper). The JSON API needs no form
-- token; the HTML form's tokens work once, so a replayed one would measure refusals.
-- REP names the rep (a handle; maria unless set). Responses are counted by status as in
-- expect_status.lua (loaded from this script's folder): anything but EXPECT_STATUS fails the run.
local folder = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or ""
dofile(folder .. "expect_status.lua")
local count_init = init

function init(args)
  count_init(args)
  counter = 0
  -- A warm-up run and the measured run after it must not post the same notes (a repeat is
  -- answered 200, not stored): the start second tells the runs apart.
  started = os.time()
  rep = os.getenv("REP") or "maria"
end

function request()
  counter = counter + 1
  local n = started .. "-" .. id .. "-" .. counter
  local body = '{"kind":"thanks","rep_handle":"' .. rep .. '",' ..
    '"customer":{"name":"Bench Customer","email":"bench-' .. n .. '@example.com"},' ..
    '"body":"Thank you for your help, note ' .. n .. '",' ..
    '"consent":{"publish":true,"display":"first"},"channel":"phone"}'
  return wrk.format("POST", "/api/v1/feedback", { ["Content-Type"] = "application/json" }, body)
end
