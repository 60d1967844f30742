-- POST /datasets/{id}/promote, each request on a dataset nobody promoted yet (CORA_BENCH_IDS holds
-- unpromoted ids; thread i takes every threads-th id starting at i, so threads never share one).
dofile(os.getenv("CORA_BENCH_LUA") .. "/common.lua")

local ids, next_index
local reason = '{"reason":"QC passed: motion under 2 px, SNR above 12, no dropped frames"}'

function promote_init()
  seed_thread()
  ids = read_lines(os.getenv("CORA_BENCH_IDS"))
  next_index = id + 1
end

function promote_request()
  local dataset = ids[next_index]
  next_index = next_index + threads
  if next_index > #ids then next_index = id + 1 end -- wraps only when the id file was too short (409s show it)
  return wrk.format("POST", "/datasets/" .. dataset .. "/promote", json_headers, reason)
end

init = promote_init
request = promote_request
