-- GET a random path from the file named by CORA_BENCH_URLS (healthz, get by id, list pages).
dofile(os.getenv("CORA_BENCH_LUA") .. "/common.lua")

local paths

function init(args)
  seed_thread()
  paths = read_lines(os.getenv("CORA_BENCH_URLS"))
end

function request()
  return wrk.format("GET", paths[math.random(1, #paths)], { ["X-Principal-Id"] = principal })
end
