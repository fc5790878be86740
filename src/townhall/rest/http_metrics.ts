/**
 * The server's own request metrics: a counter by method, route and status, and a latency
 * histogram by method and route, rendered in Prometheus text after the town's metrics.
 */

/** Upper bounds (seconds) of the latency histogram buckets. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** Request counts and latencies, in memory for the life of the server. */
export class HttpMetrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  /** Requests being handled now. */
  inFlight = 0;

  /** Records one finished request; `route` is the matched pattern (e.g. `/v1/agents/:agent/kill`). */
  observe(method: string, route: string, status: number, seconds: number): void {
    const rk = `method="${method}",route="${escape(route)}",status="${status}"`;
    this.#requests.set(rk, (this.#requests.get(rk) ?? 0) + 1);
    const lk = `method="${method}",route="${escape(route)}"`;
    let h = this.#latency.get(lk);
    if (!h) this.#latency.set(lk, h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 });
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  /** The metrics as Prometheus text lines. */
  lines(): string[] {
    const out = [
      "# HELP townhall_http_requests_in_flight HTTP requests being handled.",
      "# TYPE townhall_http_requests_in_flight gauge",
      `townhall_http_requests_in_flight ${this.inFlight}`,
      "# HELP townhall_http_requests_total HTTP requests served, by method, route and status.",
      "# TYPE townhall_http_requests_total counter",
    ];
    for (const [k, v] of [...this.#requests].sort()) {
      out.push(`townhall_http_requests_total{${k}} ${v}`);
    }
    out.push(
      "# HELP townhall_http_request_duration_seconds HTTP request latency, by method and route.",
      "# TYPE townhall_http_request_duration_seconds histogram",
    );
    for (const [k, h] of [...this.#latency].sort()) {
      BUCKETS.forEach((le, i) => {
        out.push(`townhall_http_request_duration_seconds_bucket{${k},le="${le}"} ${h.counts[i]}`);
      });
      out.push(`townhall_http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      out.push(`townhall_http_request_duration_seconds_sum{${k}} ${h.sum.toFixed(6)}`);
      out.push(`townhall_http_request_duration_seconds_count{${k}} ${h.count}`);
    }
    return out;
  }
}

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
