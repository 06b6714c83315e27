-- wrk script of bench/api_load.py: requests the paths given after "--" in turn (each wrk thread
-- starts at its own offset), and prints one machine-readable line at the end.
local paths = {}
local turn = 0

function init(args)
  for _, path in ipairs(args) do
    paths[#paths + 1] = path
  end
  turn = math.random(#paths)
end

function request()
  turn = turn + 1
  return wrk.format("GET", paths[(turn % #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d seconds=%.6f non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
    "p50=%.3f p95=%.3f p99=%.3f max=%.3f\n",
    summary.requests, summary.duration / 1e6, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
