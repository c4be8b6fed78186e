-- wrk script: every request a new delivery of the provider's sample login failure, with a fresh
-- webhook-id (a random version-4 UUID) and the current webhook-timestamp.
--
-- Optional pacing, since wrk has no rate limit: with WRK_RATE=N and WRK_CONNECTIONS=C (the -c
-- given to wrk), each connection waits C * 1000 / N ms (whole milliseconds: wrk's timer unit)
-- after each answer, so that all connections together send at most about N requests a second.

local body = '{"type":"security.login.failed","schema_version":"1",' ..
  '"timestamp":"2026-01-15T10:30:00Z","company_uid":"8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b",' ..
  '"data":{"person_uid":"34ee661a-18f0-4c30-8a73-e2d7e0ab641d","email":"user@example.com",' ..
  '"attempts":5,"account_locked":true}}'

local hex = "0123456789abcdef"
local delay_ms = nil

local function hex_digits(n)
  local out = {}
  for i = 1, n do
    local d = math.random(1, 16)
    out[i] = hex:sub(d, d)
  end
  return table.concat(out)
end

local function uuid4()
  local v = math.random(1, 4)
  local variant = ("89ab"):sub(v, v)
  return hex_digits(8) .. "-" .. hex_digits(4) .. "-4" .. hex_digits(3) .. "-" .. variant ..
    hex_digits(3) .. "-" .. hex_digits(12)
end

function setup(thread)
  thread:set("thread_seed", math.random(1, 2^31 - 1))
end

function init(args)
  math.randomseed(os.time() + (thread_seed or 0))
  local rate = tonumber(os.getenv("WRK_RATE") or "")
  local connections = tonumber(os.getenv("WRK_CONNECTIONS") or "")
  if rate and rate > 0 and connections and connections > 0 then
    delay_ms = math.max(1, math.floor(1000 * connections / rate + 0.5))
  end
end

function delay()
  return delay_ms or 0
end

function request()
  local headers = {
    ["Content-Type"] = "application/json",
    ["webhook-id"] = uuid4(),
    ["webhook-timestamp"] = tostring(os.time()),
  }
  return wrk.format("POST", "/webhooks/megaport", headers, body)
end
