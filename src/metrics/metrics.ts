import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/client.ts";
import { openBootstrapCount } from "../provisioning/bootstrap.ts";

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

type Row = Record<string, unknown>;

/** A gauge set from one query at every scrape: `label` column -> `n`. */
function dbGauge(registry: Registry, db: () => Db | null, name: string, help: string, label: string | null, sql: string): void {
  new Gauge({
    name,
    help,
    labelNames: label ? [label] : [],
    registers: [registry],
    collect() {
      const d = db();
      if (!d) return;
      this.reset();
      for (const r of d.$client.prepare(sql).all() as Row[]) {
        if (label) this.set({ [label]: String(r[label] ?? "none") }, Number(r.n));
        else this.set(Number(r.n));
      }
    },
  });
}

export function createMetrics(db: () => Db | null, now: () => number = Date.now): Metrics {
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
        for (const p of pendingFetches.values()) {
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
  dbGauge(registry, db, "phonehome_discovery_inbox_size", "Phones in the discovery inbox (not dismissed)", null, "select count(*) as n from discovered_devices where dismissed_at is null");
  dbGauge(registry, db, "phonehome_registrations", "Registration bindings by state", "state", "select state, count(*) as n from registrations group by state");
  dbGauge(registry, db, "phonehome_force_unregisters_pending", "Force-unregister requests still pending", null, "select count(*) as n from force_unregisters where state = 'pending'");
  dbGauge(registry, db, "phonehome_notify_total", "Force-unregister NOTIFYs by outcome (ok, rejected, timeout, error, skipped; none = not sent yet)", "outcome", "select notify as outcome, count(*) as n from force_unregister_devices group by notify");
  dbGauge(registry, db, "phonehome_import_rows_total", "Rows of accepted imports and claims, by source (csv, claim)", "source", "select source, coalesce(sum(rows), 0) as n from import_batches group by source");
  new Gauge({
    name: "phonehome_bootstrap_windows_open",
    help: "Zero-touch bootstrap windows open now",
    registers: [registry],
    collect() {
      const d = db();
      if (d) this.set(openBootstrapCount(d, now()));
    },
  });
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
