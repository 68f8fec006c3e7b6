import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database';

/** The GCC's Prometheus metrics, in a registry of their own (several GCCs may live in one process). */
export interface GccMetrics {
  registry: Registry;
  requestDuration: Histogram<'operation' | 'method' | 'status'>;
  requests: Counter<'operation' | 'status'>;
  polls: Counter<'source' | 'status'>;
  /** Records one answered request in `gcc_http_requests_total` and `gcc_http_request_duration_seconds`. */
  observeRequest(operation: string, method: string, status: number, seconds: number): void;
  /** Counts one answered poll in `gcc_agent_polls_total`. */
  countPoll(source: 'cache' | 'database', notModified: boolean): void;
}

type RequestLabels = {
  count: { operation: string; status: string };
  duration: { operation: string; method: string; status: string };
};

/** Creates the metrics; `gcc_tasks` is read from the database at scrape time. */
export function createMetrics(db: Database, cacheSize: () => number): GccMetrics {
  const registry = new Registry();
  const requestDuration = new Histogram({
    name: 'gcc_http_request_duration_seconds',
    help: 'HTTP request duration by operation and status.',
    labelNames: ['operation', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'gcc_http_requests_total',
    help: 'HTTP requests by operation and status.',
    labelNames: ['operation', 'status'] as const,
    registers: [registry],
  });
  const polls = new Counter({
    name: 'gcc_agent_polls_total',
    help: 'Agent polls by where the answer came from (cache or database) and status.',
    labelNames: ['source', 'status'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'gcc_tasks',
    help: 'Tasks by status.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const r = await db.query<{ status: string; n: number }>(
          'SELECT status, count(*)::int AS n FROM deployment_tasks GROUP BY status',
        );
        for (const row of r.rows) this.set({ status: row.status }, row.n);
      } catch {
        // an unreachable database shows in /readyz; metrics still answer
      }
    },
  });
  new Gauge({
    name: 'gcc_offer_cache_entries',
    help: 'Agent offers held in this replica’s cache.',
    registers: [registry],
    collect() {
      this.set(cacheSize());
    },
  });
  // The label objects are made once per series: the hot path only looks them up (no allocation per request).
  const seriesOf = new Map<string, RequestLabels>();
  const pollLabels = {
    cache: [
      { source: 'cache', status: '200' },
      { source: 'cache', status: '304' },
    ],
    database: [
      { source: 'database', status: '200' },
      { source: 'database', status: '304' },
    ],
  } as const;
  return {
    registry,
    requestDuration,
    requests,
    polls,
    observeRequest(operation, method, status, seconds) {
      const key = `${operation} ${method} ${status}`;
      let labels = seriesOf.get(key);
      if (!labels) {
        const s = String(status);
        labels = { count: { operation, status: s }, duration: { operation, method, status: s } };
        // Methods and operations are few; a flood of odd methods must not grow this without bound.
        if (seriesOf.size < 10_000) seriesOf.set(key, labels);
      }
      requests.inc(labels.count);
      requestDuration.observe(labels.duration, seconds);
    },
    countPoll(source, notModified) {
      polls.inc(pollLabels[source][notModified ? 1 : 0]);
    },
  };
}
