/**
 * The top entries of a V8 CPU profile (`node --cpu-prof`, or `BENCH_CPU_PROF=dir npm run bench:*`):
 * self time per function, and total (self + callees) time per function, as shares of the samples.
 *
 *   node --import tsx bench/profile-top.ts FILE.cpuprofile [--top 25] [--total] [--from S] [--to S]
 *
 * `--from`/`--to`: only samples taken that many seconds after the profile began (bench:storm
 * prints when its storm starts and ends, counted from the server's start).
 */
import { readFileSync } from "node:fs";

interface Node {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly Node[];
  readonly samples: readonly number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  readonly timeDeltas: readonly number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
if (!file) throw new Error("usage: profile-top.ts FILE.cpuprofile [--top N] [--total]");
const num = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const top = num("--top", 25);
const from = num("--from", 0) * 1e6;
const to = num("--to", Infinity) * 1e6;
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const shortUrl = (url: string) => url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\/.*?\/(src|bench)\//, "$1/").replace(/^node:/, "node:");
const label = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} ${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ""}`;

const self = new Map<string, number>();
const total = new Map<string, number>();
let at = 0;
const samples = profile.samples.filter((_, i) => {
  at += profile.timeDeltas[i] ?? 0;
  return at >= from && at <= to;
});
for (const id of samples) {
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
    const l = label(byId.get(up)!);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + 1);
  }
}
const n = samples.length;
const print = (title: string, m: Map<string, number>) => {
  console.log(`${title} (${n} samples)`);
  for (const [l, c] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * c) / n).toFixed(1).padStart(5)}%  ${l}`);
};
print("self", self);
if (args.includes("--total")) print("\ntotal", total);
