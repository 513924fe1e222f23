import { count, eq, isNull, sql } from "drizzle-orm";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Data, Query } from "../db/data.ts";
import { openBootstrapCountIn } from "../provisioning/bootstrap.ts";

/**
 * Prometheus metrics (prom-client), one registry per server, no global default registry. Counters
 * and histograms are this process's; the gauges and `_total` figures read at scrape time from the
 * database (`db*`) are the same on every node sharing it. Every metric is in docs/operations.md.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly fetches: Counter<"vendor" | "outcome" | "transport">;
  readonly fetchSeconds: Histogram<"transport">;
  readonly authFailures: Counter<"kind">;
  readonly authBlocks: Counter;
  readonly unreachableUrl: Counter<"transport">;
  readonly tftpTransfers: Counter<"outcome">;
  /**
   * Fetches counted since the last scrape, by label set (countFetch): prom-client hashes the labels
   * on every `inc`, a visible cost at thousands of fetches a second, so a fetch adds 1 to its entry
   * here and `fetches` takes the counts when it is collected (every scrape, and `get()`).
   */
  readonly pendingFetches: Map<string, { readonly labels: Record<"vendor" | "outcome" | "transport", string>; n: number }>;
}

/** One sample of a gauge read from the database: its label's value (none for a gauge without one) and the figure. */
interface Sample {
  readonly key?: string | null;
  readonly n: number;
}

/**
 * A gauge set from one read at every scrape: `key` -> `n`. Each read is written once with the query
 * builder, so the same text runs on SQLite and PostgreSQL (counts and sums through `.mapWith(Number)`,
 * which PostgreSQL returns as text).
 */
function dbGauge(registry: Registry, data: () => Data | null, name: string, help: string, label: string | null, read: (q: Query) => Promise<readonly Sample[]>): void {
  new Gauge({
    name,
    help,
    labelNames: label ? [label] : [],
    registers: [registry],
    async collect() {
      const d = data();
      if (!d) return;
      const samples = await d.read(read);
      this.reset();
      for (const r of samples) {
        if (label) this.set({ [label]: String(r.key ?? "none") }, r.n);
        else this.set(r.n);
      }
    },
  });
}

export function createMetrics(data: () => Data | null, now: () => number = Date.now): Metrics {
  const registry = new Registry();
  const c = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  const pendingFetches: Metrics["pendingFetches"] = new Map();
  const metrics: Metrics = {
    registry,
    pendingFetches,
    fetches: new Counter({
      name: "phonehome_fetches_total",
      help: "Files requested by phones, by vendor, outcome and transport",
      labelNames: ["vendor", "outcome", "transport"],
      registers: [registry],
      collect() {
        for (const [, p] of pendingFetches) {
          if (p.n === 0) continue;
          this.inc(p.labels, p.n);
          p.n = 0;
        }
      },
    }),
    fetchSeconds: new Histogram({
      name: "phonehome_fetch_duration_seconds",
      help: "Time to answer a phone's HTTP(S) request",
      labelNames: ["transport"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    authFailures: c("phonehome_auth_failures_total", "Device-file requests refused: failed = wrong proof, challenged = none given", ["kind"]),
    authBlocks: new Counter({ name: "phonehome_auth_blocked_total", help: "Requests answered 429 because their source failed too often", registers: [registry] }),
    unreachableUrl: c("phonehome_unreachable_url_refusals_total", "Device files not sent because the only provisioning URL was loopback and the phone is not", ["transport"]),
    tftpTransfers: c("phonehome_tftp_transfers_total", "TFTP transfers that ended, by outcome", ["outcome"]),
  };
  dbGauge(registry, data, "phonehome_discovery_inbox_size", "Phones in the discovery inbox (not dismissed)", null, ({ db, t: { discoveredDevices: d } }) =>
    db.select({ n: count() }).from(d).where(isNull(d.dismissedAt)),
  );
  dbGauge(registry, data, "phonehome_registrations", "Registration bindings by state", "state", ({ db, t: { registrations: r } }) =>
    db.select({ key: r.state, n: count() }).from(r).groupBy(r.state),
  );
  dbGauge(registry, data, "phonehome_force_unregisters_pending", "Force-unregister requests still pending", null, ({ db, t: { forceUnregisters: f } }) =>
    db.select({ n: count() }).from(f).where(eq(f.state, "pending")),
  );
  dbGauge(registry, data, "phonehome_notify_total", "Force-unregister NOTIFYs by outcome (ok, rejected, timeout, error, skipped; none = not sent yet)", "outcome", ({ db, t: { forceUnregisterDevices: f } }) =>
    db.select({ key: f.notify, n: count() }).from(f).groupBy(f.notify),
  );
  dbGauge(registry, data, "phonehome_import_rows_total", "Rows of accepted imports and claims, by source (csv, claim)", "source", ({ db, t: { importBatches: b } }) =>
    db.select({ key: b.source, n: sql<number>`coalesce(sum(${b.rows}), 0)`.mapWith(Number) }).from(b).groupBy(b.source),
  );
  dbGauge(registry, data, "phonehome_bootstrap_windows_open", "Zero-touch bootstrap windows open now", null, async (q) => [{ n: await openBootstrapCountIn(q, now()) }]);
  return metrics;
}

interface Fetched {
  readonly outcome: string;
  readonly device?: { readonly vendor: string } | null;
  readonly identification?: { readonly vendor: string };
  readonly image?: { readonly vendor: string };
}

/** Counts one recorded fetch: the vendor that identified it, else the device's, else `unknown`. */
export function countFetch(metrics: Metrics | undefined, transport: string, outcome: string, result: Fetched | null): void {
  if (!metrics) return;
  const vendor = result?.identification?.vendor ?? result?.image?.vendor ?? result?.device?.vendor ?? "unknown";
  const key = `${vendor}|${outcome}|${transport}`;
  const counted = metrics.pendingFetches.get(key);
  if (counted) counted.n++;
  else metrics.pendingFetches.set(key, { labels: { vendor, outcome, transport }, n: 1 });
}
