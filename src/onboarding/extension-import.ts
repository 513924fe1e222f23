import { eq, sql } from "drizzle-orm";
import type { Query } from "../db/data.ts";
import { EXTENSION_NUMBER } from "../domain/validation.ts";
import { AppError, invalidInput } from "../errors.ts";
import { auditChangeIn } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { ProfileInput, ROLES, VoicemailInput } from "../services/extension-settings/schemas.ts";
import { putNumberSettingsIn, putProfileIn, putVoicemailIn, readSettingsIn } from "../services/extension-settings/sections.ts";
import { createExtensionIn, updateExtensionIn } from "../services/extensions.ts";
import { setExtensionGroupsIn } from "../services/groups.ts";
import { extensionGroupNamesIn } from "../services/extension-usage.ts";
import { describeIssues, ExtensionInput, ExtensionPatch } from "../services/schemas.ts";
import { loadTenant } from "../services/tenants.ts";
import type { Tenant } from "../db/rows.ts";
import type { Problem } from "./columns.ts";
import type { CsvRow } from "./csv-source.ts";
import { CLEAR, columnOfMessage, GROUP_SEPARATOR, parseYesNo, type ExtensionColumn } from "./extension-columns.ts";
import type { ImportReport } from "./import.ts";
import { MAX_PROBLEMS } from "./planner.ts";

/**
 * Extensions by CSV, all rows or none, in the device import's two passes: a checking pass (each cell
 * through the API's own zod field schemas, duplicates in the file) that writes nothing, then one
 * transaction (one `data.write`, serializable on PostgreSQL) that makes each row's changes through
 * the same services as the API routes (their `...In(q, ...)` forms), so every rule (numbering plan,
 * unique usernames, groups, BLF watchers) and every message is theirs. A row a service refuses is
 * reported with its column, and the transaction is rolled back; so is a dry run, which therefore
 * reports exactly what a real run would.
 */
type Role = (typeof ROLES)[number];

export interface PlannedExtension {
  readonly row: number;
  readonly number: string;
  readonly displayName?: string;
  readonly sipUser?: string;
  readonly authUser?: string;
  readonly username?: string;
  readonly role?: Role;
  readonly voicemail?: boolean;
  readonly voicemailPin?: string;
  /** null = no email notification. */
  readonly voicemailEmail?: string | null;
  readonly presence?: boolean;
  readonly groups?: readonly string[];
}

export type ExtensionProblem = Problem<ExtensionColumn>;
type Report = (column: ExtensionColumn | null, reason: string) => void;
type Action = "created" | "updated" | "unchanged";

const fieldProblem = (schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, value: unknown): string | null => {
  const r = schema.safeParse(value) as { success: boolean; error?: Parameters<typeof describeIssues>[0] };
  return r.success ? null : describeIssues(r.error!).replace(/^body: /, "");
};

class ExtensionPlanner {
  readonly planned: PlannedExtension[] = [];
  readonly problems: ExtensionProblem[] = [];
  problemCount = 0;
  rows = 0;
  private readonly numbers = new Map<string, number>();
  private readonly usernames = new Map<string, number>();

  constructor(private readonly existing: ReadonlySet<string>) {}

  add(r: CsvRow<ExtensionColumn>): void {
    this.rows++;
    const report: Report = (column, reason) => {
      this.problemCount++;
      if (this.problems.length < MAX_PROBLEMS) this.problems.push({ row: r.row, column, reason });
    };
    const before = this.problemCount;
    const planned = this.check(r, report);
    if (planned && this.problemCount === before) this.planned.push(planned);
  }

  private check(r: CsvRow<ExtensionColumn>, report: Report): PlannedExtension | null {
    if (r.fieldCount.got !== r.fieldCount.expected) {
      report(null, `has ${r.fieldCount.got} field(s) but the header has ${r.fieldCount.expected} (a missing or extra comma, or a truncated line)`);
      return null;
    }
    const c = r.cells;
    const number = c.number;
    if (number === "") return report("number", "is empty"), null;
    if (!EXTENSION_NUMBER.test(number)) return report("number", `"${number.slice(0, 20)}" is not an extension number (2-15 digits)`), null;
    const earlier = this.numbers.get(number);
    if (earlier !== undefined) return report("number", `${number} is also on row ${earlier}`), null;
    this.numbers.set(number, r.row);
    const text = (column: ExtensionColumn, schema: Parameters<typeof fieldProblem>[0]): string | undefined => {
      if (c[column] === "") return undefined;
      const problem = fieldProblem(schema, c[column]);
      if (problem) report(column, problem);
      return c[column];
    };
    const yesNo = (column: ExtensionColumn): boolean | undefined => {
      if (c[column] === "") return undefined;
      const v = parseYesNo(c[column]);
      if (v === null) report(column, `"${c[column].slice(0, 20)}" is not yes or no`);
      return v ?? undefined;
    };
    const displayName = text("display_name", ExtensionInput.shape.displayName);
    if (displayName === undefined && !this.existing.has(number)) report("display_name", "is empty; a new extension needs the name its phones show");
    const username = text("username", ProfileInput.shape.username);
    if (username !== undefined) {
      const twice = this.usernames.get(username);
      if (twice !== undefined) report("username", `${username} is also the username on row ${twice}`);
      this.usernames.set(username, r.row);
    }
    const role = text("role", ProfileInput.shape.role) as Role | undefined;
    const email = c.voicemail_email === CLEAR ? null : text("voicemail_email", VoicemailInput.shape.email);
    const groups = c.groups === "" ? undefined : c.groups === CLEAR ? [] : c.groups.split(GROUP_SEPARATOR).map((g) => g.trim()).filter(Boolean);
    if (groups?.some((g) => g.length > 64)) report("groups", "a group name is at most 64 characters");
    return {
      row: r.row,
      number,
      displayName,
      sipUser: text("sip_user", ExtensionInput.shape.sipUser),
      authUser: text("auth_user", ExtensionInput.shape.authUser),
      username,
      role,
      voicemail: yesNo("voicemail"),
      voicemailPin: text("voicemail_pin", VoicemailInput.shape.pin),
      voicemailEmail: email,
      presence: yesNo("presence"),
      groups,
    };
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** One row's changes through the API's services (inside the import's transaction). */
async function applyRow(q: Query, d: ServiceDeps, tenant: Tenant, p: PlannedExtension, exists: boolean): Promise<Action> {
  let changed = false;
  if (!exists) {
    await createExtensionIn(q, d, tenant.name, ExtensionInput.parse({ number: p.number, displayName: p.displayName, sipUser: p.sipUser, authUser: p.authUser }));
  } else {
    const { ext } = await readSettingsIn(q, tenant.name, p.number);
    const patch = Object.fromEntries(
      ([["displayName", p.displayName], ["sipUser", p.sipUser], ["authUser", p.authUser]] as const).filter(([k, v]) => v !== undefined && v !== ext[k]),
    );
    if (Object.keys(patch).length) await updateExtensionIn(q, d, tenant.name, p.number, ExtensionPatch.parse(patch));
    changed = Object.keys(patch).length > 0;
  }
  const { ext, settings } = await readSettingsIn(q, tenant.name, p.number);
  const profile = { ...settings.profile, username: p.username ?? settings.profile.username, role: p.role ?? settings.profile.role };
  if (!same(profile, settings.profile)) changed = !!(await putProfileIn(q, d, tenant.name, p.number, ProfileInput.parse(profile)));
  const { pinEnc, ...vm } = settings.voicemail;
  const current = { ...vm, pin: pinEnc === null ? null : d.secrets.open(pinEnc) };
  const on = p.voicemail ?? current.unansweredCalls === "voicemail";
  const email = p.voicemailEmail === undefined ? current.email : p.voicemailEmail;
  const voicemail = {
    ...current,
    unansweredCalls: on ? "voicemail" : "end",
    // Off: the PIN and the notification only apply to voicemail (VoicemailInput), unless given anyway.
    pin: p.voicemailPin ?? (on ? current.pin : null),
    email,
    emailNotification: p.voicemailEmail === undefined ? on && current.emailNotification : email !== null,
  };
  if (!same(voicemail, current)) changed = !!(await putVoicemailIn(q, d, tenant.name, p.number, VoicemailInput.parse(voicemail)));
  if (p.presence !== undefined && p.presence !== settings.numberSettings.presence) {
    changed = !!(await putNumberSettingsIn(q, d, tenant.name, p.number, { ...settings.numberSettings, presence: p.presence }));
  }
  if (p.groups !== undefined && !same([...new Set(p.groups)].sort(), await extensionGroupNamesIn(q, ext.id))) {
    changed = !!(await setExtensionGroupsIn(q, d, tenant.name, p.number, p.groups));
  }
  return !exists ? "created" : changed ? "updated" : "unchanged";
}

/**
 * One row's changes in a savepoint of the import's transaction, so that a refused row leaves
 * nothing behind while the rows after it are still tried (and on PostgreSQL a failed statement
 * does not abort the whole transaction). The statements are the same on both databases.
 */
async function inSavepoint<T>(q: Query, fn: () => Promise<T>): Promise<T> {
  const run = async (statement: string): Promise<void> => {
    if (q.dialect === "sqlite") await q.db.run(sql.raw(statement));
    else await (q.db as unknown as { execute(s: ReturnType<typeof sql.raw>): Promise<unknown> }).execute(sql.raw(statement));
  };
  await run("savepoint import_row");
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await run("rollback to savepoint import_row");
    await run("release savepoint import_row");
    throw err;
  }
  await run("release savepoint import_row");
  return result;
}

const tenantNumbers = async (q: Query, tenantId: number): Promise<Set<string>> =>
  new Set((await q.db.select({ n: q.t.extensions.number }).from(q.t.extensions).where(eq(q.t.extensions.tenantId, tenantId))).map((r) => r.n));

export interface ExtensionImportOptions {
  readonly dryRun: boolean;
  readonly actor: string;
  readonly fileName: string | null;
  readonly onChecked?: (rows: number) => void;
}

/** Thrown to roll the write pass back (a refused row, or a dry run) while keeping its results. */
class RolledBack extends Error {}

export async function importExtensions(deps: ServiceDeps, tenantName: string, rows: AsyncIterable<CsvRow<ExtensionColumn>>, options: ExtensionImportOptions): Promise<ImportReport<ExtensionColumn>> {
  const { tenant, numbers } = await deps.data.read(async (q) => {
    const t = await loadTenant(q, tenantName);
    return { tenant: t, numbers: await tenantNumbers(q, t.id) };
  });
  const planner = new ExtensionPlanner(numbers);
  for await (const row of rows) {
    planner.add(row);
    if (planner.rows % 1000 === 0) options.onChecked?.(planner.rows);
  }
  options.onChecked?.(planner.rows);
  if (planner.rows === 0) throw invalidInput("malformed CSV: the file has a header but no extension rows");
  const report = (problems: ExtensionProblem[], problemCount: number, counts: Record<Action, number>, batchId: number | null) => ({
    accepted: problemCount === 0,
    dryRun: options.dryRun,
    rows: planner.rows,
    ...counts,
    batchId,
    problems,
    problemCount,
  });
  const zero = { created: 0, updated: 0, unchanged: 0 };
  if (planner.problemCount) return report(planner.problems, planner.problemCount, zero, null);

  let problems: ExtensionProblem[] = [];
  let refused = 0;
  let counts = { ...zero };
  let batchId: number | null = null;
  try {
    await deps.data.write(async (q) => {
      // A PostgreSQL write may run again from the start (a serialization failure): nothing carries over.
      problems = [];
      refused = 0;
      counts = { ...zero };
      batchId = null;
      const existing = await tenantNumbers(q, tenant.id);
      for (const p of planner.planned) {
        try {
          counts[await inSavepoint(q, () => applyRow(q, deps, tenant, p, existing.has(p.number)))]++;
        } catch (err) {
          if (!(err instanceof AppError) || err.status >= 500) throw err;
          const { column, reason } = columnOfMessage(err.message);
          refused++;
          if (problems.length < MAX_PROBLEMS) problems.push({ row: p.row, column, reason });
        }
      }
      if (refused || options.dryRun) throw new RolledBack();
      if (counts.created + counts.updated === 0) return;
      const { importBatches: b } = q.t;
      const [batch] = await q.db
        .insert(b)
        .values({ createdAt: deps.clock().getTime(), actor: options.actor, source: "extensions", fileName: options.fileName, rows: planner.rows, ...counts })
        .returning({ id: b.id });
      batchId = batch!.id;
      await auditChangeIn(q, deps, { action: "extensions.import", target: `import:${batchId}`, tenantId: tenant.id, after: { ...counts, rows: planner.rows, fileName: options.fileName } });
    });
  } catch (err) {
    if (!(err instanceof RolledBack)) throw err;
  }
  return refused ? report(problems, refused, zero, null) : report([], 0, counts, batchId);
}
