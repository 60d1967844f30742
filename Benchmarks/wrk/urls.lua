-- GET a random path from the file named by CORA_BENCH_URLS (healthz, get by id, list pages), with the
-- bearer token of CORA_BENCH_TOKEN when one is set (bearer mode ignores X-Principal-Id).
dofile(os.getenv("CORA_BENCH_LUA") .. "/common.lua")

local paths
local token = os.getenv("CORA_BENCH_TOKEN")

function init(args)
  seed_thread()
  paths = read_lines(os.getenv("CORA_BENCH_URLS"))
end

function request()
  local headers = { ["X-Principal-Id"] = principal }
  if token then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", paths[math.random(1, #paths)], headers)
end
