-- POST /datasets with a fresh Idempotency-Key and a fresh body on every request.
dofile(os.getenv("CORA_BENCH_LUA") .. "/common.lua")

local counter, run_tag = 0, ""

function register_init()
  seed_thread()
  run_tag = string.format("%x-%d-%x", os.time(), id, math.random(1, 1073741824))
end

function register_request()
  counter = counter + 1
  local tag = run_tag .. "-" .. counter
  local headers = { ["Content-Type"] = "application/json", ["X-Principal-Id"] = principal, ["Idempotency-Key"] = "bench-" .. tag }
  return wrk.format("POST", "/datasets", headers, registration_body(tag))
end

init = register_init
request = register_request
