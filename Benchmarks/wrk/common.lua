-- Loaded by every scenario script. Counts answers by status in each thread, and at the end prints one
-- line "BENCH {json}" that cora-bench parses: requests, latency percentiles (µs), statuses, socket errors.
if common_loaded then return end
common_loaded = true

local threads_started = {}
local thread_count = 0

-- wrk runs each thread's init() right after that thread's setup(), before the next thread exists, so
-- the thread count comes from the environment (cora-bench passes wrk's -t) rather than from counting.
threads = tonumber(os.getenv("CORA_BENCH_THREADS") or "1")

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads_started, thread)
end

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads_started) do
    for code, n in pairs(t:get("statuses")) do merged[code] = (merged[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(merged) do parts[#parts + 1] = string.format('"%d":%d', code, n) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"statuses":{%s},"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency:percentile(99.9), latency.max,
    table.concat(parts, ","), e.connect + e.read + e.write + e.timeout))
end

-- Helpers for the scenario scripts.
function read_lines(path)
  local lines = {}
  for line in io.lines(path) do if #line > 0 then lines[#lines + 1] = line end end
  assert(#lines > 0, "no lines in " .. path)
  return lines
end

principal = os.getenv("CORA_BENCH_PRINCIPAL")
json_headers = { ["Content-Type"] = "application/json", ["X-Principal-Id"] = principal }

-- The calibration pool: the same 200 ids `cora-bench load` cites (see Workload.swift).
function calibration_id(n) return string.format("00000000-0000-4000-8000-%012d", n) end

local hex = "0123456789abcdef"
local function random_hex(n)
  local out = {}
  for i = 1, n do local d = math.random(1, 16); out[i] = hex:sub(d, d) end
  return table.concat(out)
end

-- A registration body of the same shape and size as the loaded ones (Workload.swift, registrationBody).
function registration_body(tag)
  local count = math.random(1, 3)
  local picked, cals = {}, {}
  while #cals < count do
    local n = math.random(1, 200)
    if not picked[n] then picked[n] = true; cals[#cals + 1] = '"' .. calibration_id(n) .. '"' end
  end
  return string.format(
    '{"name":"dataset %s","uri":"s3://lab-raw-data/projects/beamline-7/2026/session-%s/scan-0001.h5",' ..
    '"checksum":{"algorithm":"sha256","value":"%s"},"byte_size":%d,' ..
    '"encoding":{"media_type":"application/x-hdf5","conforms_to":["https://manual.nexusformat.org/classes/applications/NXtomo.html"]},' ..
    '"used_calibrations":[%s]}',
    tag, tag, random_hex(64), math.random(1000000, 2000000000), table.concat(cals, ","))
end

-- Each thread seeds differently so concurrent threads never draw the same keys.
function seed_thread()
  math.randomseed(os.time() * 1009 + (id or 0) * 7919)
end
