import { invalidInput } from "../errors.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { applyPlan } from "./apply.ts";
import type { Column, DeviceRecord, Problem } from "./columns.ts";
import { openLookups } from "./lookups.ts";
import { Planner, type PlannerOptions } from "./planner.ts";

export interface ImportOptions extends PlannerOptions {
  readonly dryRun: boolean;
  readonly actor: string;
  readonly source: "csv" | "claim";
  readonly fileName: string | null;
  /** Rows checked so far (every 1,000 rows, and at the end). */
  readonly onChecked?: (rows: number) => void;
  /** Devices written so far: 0 when the write phase starts, then inside the transaction. */
  readonly onWritten?: (written: number, total: number) => void;
}

export interface ImportReport<C extends string = Column> {
  /** True when the file was imported (or, in a dry run, would be). */
  readonly accepted: boolean;
  readonly dryRun: boolean;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Null when refused, in a dry run, or when nothing changed. */
  readonly batchId: number | null;
  readonly problems: Problem<C>[];
  /** All problems found; `problems` holds at most the first 1,000. */
  readonly problemCount: number;
}

/** Records checked per read of the lookups (lookups.ts). */
const CHUNK = 1000;

async function* chunks<T>(items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length === CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

/**
 * Checks every record (streaming, a chunk at a time), then, unless it is a dry run or a problem was
 * found, writes them all in one transaction. Malformed input (see csv-source.ts) throws before
 * anything is written.
 */
export async function importDevices(deps: ServiceDeps, records: AsyncIterable<DeviceRecord> | Iterable<DeviceRecord>, options: ImportOptions): Promise<ImportReport> {
  const lookups = await openLookups(deps);
  const planner = new Planner(lookups, options);
  let rows = 0;
  for await (const chunk of chunks(records)) {
    await lookups.load(chunk);
    for (const record of chunk) {
      planner.add(record);
      if (++rows % 1000 === 0) options.onChecked?.(rows);
    }
  }
  options.onChecked?.(rows);
  const plan = planner.finish();
  if (plan.rows === 0) throw invalidInput(options.source === "csv" ? "malformed CSV: the file has a header but no device rows" : "no devices given");
  const accepted = plan.problemCount === 0;
  // The write phase starts (it may first wait for another writer's lock): 0 of the devices written.
  if (accepted && !options.dryRun) options.onWritten?.(0, plan.devices.length);
  const batchId =
    accepted && !options.dryRun
      ? await applyPlan(deps, plan, { actor: options.actor, source: options.source, fileName: options.fileName, onProgress: options.onWritten })
      : null;
  return {
    accepted,
    dryRun: options.dryRun,
    rows: plan.rows,
    ...plan.counts,
    batchId,
    problems: plan.problems,
    problemCount: plan.problemCount,
  };
}
