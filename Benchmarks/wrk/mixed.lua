-- 80% reads, 20% writes: 50% get by id, 30% calibration-filtered list page, 15% register, 5% promote.
dofile(os.getenv("CORA_BENCH_LUA") .. "/common.lua")
dofile(os.getenv("CORA_BENCH_LUA") .. "/register.lua")
dofile(os.getenv("CORA_BENCH_LUA") .. "/promote.lua")

local gets, lists
function init(args)
  register_init()
  promote_init()
  gets = read_lines(os.getenv("CORA_BENCH_GET_URLS"))
  lists = read_lines(os.getenv("CORA_BENCH_LIST_URLS"))
end

function request()
  local draw = math.random(1, 100)
  if draw <= 50 then return wrk.format("GET", gets[math.random(1, #gets)], { ["X-Principal-Id"] = principal }) end
  if draw <= 80 then return wrk.format("GET", lists[math.random(1, #lists)], { ["X-Principal-Id"] = principal }) end
  if draw <= 95 then return register_request() end
  return promote_request()
end
