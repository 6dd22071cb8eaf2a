-- wrk script: POST the AdmissionReview in $REVIEW_BODY (a ~3 KB pod CREATE, compact JSON as the
-- API server sends it) to /mutate-pod?timeout=10s over keep-alive connections, count answers
-- that are not a 200 allowing the pod, and print one machine-readable RESULT line.

local body_file = os.getenv("REVIEW_BODY") or "bench/review.json"
local file = assert(io.open(body_file, "rb"))
wrk.method = "POST"
wrk.path = "/mutate-pod?timeout=10s"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, */*"
wrk.headers["User-Agent"] = "kube-apiserver-admission"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"allowed":true', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
  end
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d max_us=%d bad=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max, bad_total,
    errors.connect, errors.read, errors.write, errors.timeout))
end
