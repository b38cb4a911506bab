-- wrk script: POST GraphQL requests, rotating over a list of bodies, and report as JSON.
--
--   wrk -s bench/post.lua URL -- BODIES_FILE TOKEN   (BODIES_FILE `GET`: GET the URL)
--
-- BODIES_FILE holds one JSON request body per line; every request carries
-- `Authorization: Bearer TOKEN`. Requests are formatted once, in init(), so the
-- per-request cost in wrk is the same for every server and every query.

local requests = {}
local counter = 0
local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

function init(args)
  local path = wrk.path
  local headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Authorization"] = "Bearer " .. args[2],
  }
  if args[1] == "GET" then
    -- No bodies: GET the URL (bench/profile.py's floor, GET /health).
    requests[1] = wrk.format("GET", path, {["Authorization"] = headers["Authorization"]})
  else
    for line in io.lines(args[1]) do
      if #line > 0 then
        requests[#requests + 1] = wrk.format("POST", path, headers, line)
      end
    end
  end
  if #requests == 0 then
    error("no request bodies in " .. args[1])
  end
  -- Threads start at different points of the rotation.
  counter = (index or 0) % #requests
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function done(summary, latency, _)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,' ..
    '"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
