/** Prometheus text-format metrics of the guard (counters, gauges and two latency histograms), no dependencies. */

/** Histogram bucket upper bounds in seconds. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;

class Histogram {
  readonly counts = new Float64Array(LATENCY_BUCKETS.length);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++)
      if (seconds <= LATENCY_BUCKETS[i]) {
        this.counts[i]++;
        break;
      }
  }
  render(name: string, help: string): string {
    let out = `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`;
    let cum = 0;
    LATENCY_BUCKETS.forEach((b, i) => {
      cum += this.counts[i];
      out += `${name}_bucket{le="${b}"} ${cum}\n`;
    });
    out += `${name}_bucket{le="+Inf"} ${this.count}\n${name}_sum ${this.sum}\n${name}_count ${this.count}\n`;
    return out;
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(names: readonly string[], key: string): string {
  const vals = key.split('\u0000');
  return names.map((n, i) => `${n}="${esc(vals[i] ?? '')}"`).join(',');
}

export class GuardMetrics {
  private readonly requests = new Map<string, number>();
  private readonly hits = new Map<string, number>();
  readonly latency = new Histogram();
  readonly upstreamLatency = new Histogram();
  shed = 0;
  inflight = 0;
  queued = 0;
  auditRecords = 0;
  private readonly routes = new Set<string>();

  /** Bounded route label: the path if it is short and one of the first 64 seen, else "other". */
  route(p: string): string {
    if (this.routes.has(p)) return p;
    if (this.routes.size < 64 && /^\/[\w./-]{0,80}$/.test(p)) {
      this.routes.add(p);
      return p;
    }
    return 'other';
  }

  request(route: string, status: number, decision: string, seconds: number): void {
    const k = `${route}\u0000${status}\u0000${decision}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    this.latency.observe(seconds);
  }

  hit(scanner: string, rule: string, action: string): void {
    const k = `${scanner}\u0000${rule}\u0000${action}`;
    this.hits.set(k, (this.hits.get(k) ?? 0) + 1);
  }

  render(): string {
    let out = '# HELP bulwark_guard_requests_total Requests by route, status and decision.\n';
    out += '# TYPE bulwark_guard_requests_total counter\n';
    for (const [k, v] of this.requests)
      out += `bulwark_guard_requests_total{${labels(['route', 'status', 'decision'], k)}} ${v}\n`;
    out += '# HELP bulwark_guard_scanner_hits_total Scanner hits by scanner, rule and action.\n';
    out += '# TYPE bulwark_guard_scanner_hits_total counter\n';
    for (const [k, v] of this.hits)
      out += `bulwark_guard_scanner_hits_total{${labels(['scanner', 'rule', 'action'], k)}} ${v}\n`;
    out += this.latency.render(
      'bulwark_guard_request_duration_seconds',
      'Time from request to response end.',
    );
    out += this.upstreamLatency.render('bulwark_guard_upstream_duration_seconds', 'Upstream response time.');
    out += `# HELP bulwark_guard_shed_total Requests refused at the concurrency and queue limits.\n# TYPE bulwark_guard_shed_total counter\nbulwark_guard_shed_total ${this.shed}\n`;
    out += `# HELP bulwark_guard_inflight Requests holding a concurrency slot.\n# TYPE bulwark_guard_inflight gauge\nbulwark_guard_inflight ${this.inflight}\n`;
    out += `# HELP bulwark_guard_queued Requests waiting for a slot.\n# TYPE bulwark_guard_queued gauge\nbulwark_guard_queued ${this.queued}\n`;
    out += `# HELP bulwark_guard_audit_records_total Audit records written.\n# TYPE bulwark_guard_audit_records_total counter\nbulwark_guard_audit_records_total ${this.auditRecords}\n`;
    return out;
  }
}
