-- wrk script: POST distinct thank-you notes to /feedback (each is stored: bodies differ).
-- Needs FORM_TOKEN (a token from the form) and REP (a handle) in the environment.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  token = os.getenv("FORM_TOKEN") or ""
  rep = os.getenv("REP") or "maria"
end

function request()
  counter = counter + 1
  local body = "kind=thanks&rep=" .. rep .. "&customer_name=Bench+Customer" ..
    "&customer_email=bench%40example.com&consent_publish=on&display=first&channel=phone" ..
    "&body=Thank+you+for+your+help%2C+note+" .. id .. "-" .. counter .. "-" .. math.random(1, 1000000000) ..
    "&website=&form_token=" .. token
  return wrk.format("POST", "/feedback", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
