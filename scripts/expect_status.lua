-- wrk script: counts responses by HTTP status and makes wrk exit non-zero when any response
-- had another status than EXPECT_STATUS (200 unless set), or when any request failed at the
-- socket (connect, read, write, timeout). A signed-in run that sees a 303 to /login measured
-- the sign-in page, not the page it names: such a run is refused, not reported.
--
--   EXPECT_STATUS=200 wrk -s scripts/expect_status.lua http://127.0.0.1:8080/staff
--
-- Other scripts load this one first (see post_api_feedback.lua) and add their own request().
-- Each wrk thread has its own Lua state: each counts its own responses, and done() (in the
-- main state) adds them up through setup()'s thread handles.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  -- Keys are strings: wrk copies tables between Lua states, and string keys stay as they are.
  statuses = {}
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local expected = tostring(os.getenv("EXPECT_STATUS") or "200")
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local seen, unexpected = {}, 0
  for status, n in pairs(counts) do
    table.insert(seen, status .. ": " .. n)
    if status ~= expected then
      unexpected = unexpected + n
    end
  end
  table.sort(seen)
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  io.write("statuses (expected " .. expected .. "): " .. table.concat(seen, ", ") .. "\n")
  if (counts[expected] or 0) == 0 then
    io.write("bench: no response had the expected status " .. expected .. "\n")
    os.exit(3)
  end
  if unexpected > 0 or socket > 0 then
    io.write(string.format(
      "bench: %d responses with another status than %s; socket errors: connect %d, read %d, write %d, timeout %d\n",
      unexpected, expected, e.connect, e.read, e.write, e.timeout))
    os.exit(3)
  end
end
