-- wrk script: OsmAnd position reports from 5,000 units per wrk thread, each report a new fix
-- (timestamps advance per round, so none is refused as a duplicate).
--   wrk -t2 -c256 -d10s -s benches/osmand_load.lua http://127.0.0.1:5055
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  base = os.time() - 7200
end

function request()
  counter = counter + 1
  local unit = counter % 5000
  local round = math.floor(counter / 5000)
  local lat = -6.2 + (unit % 100) * 0.001
  local lon = 106.8 + math.floor(unit / 100) * 0.001
  return wrk.format("GET", "/?id=w" .. tid .. "-u" .. unit .. "&lat=" .. lat .. "&lon=" .. lon
    .. "&timestamp=" .. (base + round) .. "&speed=10&bearing=90")
end
