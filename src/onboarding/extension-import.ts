import { eq } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { extensions } from "../db/schema.ts";
import { EXTENSION_NUMBER } from "../domain/validation.ts";
import { AppError, invalidInput } from "../errors.ts";
import { auditChange } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { ProfileInput, ROLES, VoicemailInput } from "../services/extension-settings/schemas.ts";
import { putNumberSettingsSync, putProfileSync, putVoicemailSync, readSettingsSync } from "../services/extension-settings/sections-sync.ts";
import { createExtensionSync, updateExtensionSync } from "../services/extensions.ts";
import { setExtensionGroupsSync } from "../services/groups-sync.ts";
import { extensionGroupNamesSync } from "../services/extension-usage-sync.ts";
import { describeIssues, ExtensionInput, ExtensionPatch } from "../services/schemas.ts";
import { getTenant } from "../services/tenants.ts";
import type { Tenant } from "../db/rows.ts";
import type { Problem } from "./columns.ts";
import type { CsvRow } from "./csv-source.ts";
import { CLEAR, columnOfMessage, GROUP_SEPARATOR, parseYesNo, type ExtensionColumn } from "./extension-columns.ts";
import type { ImportReport } from "./import.ts";
import { MAX_PROBLEMS } from "./planner.ts";

/**
 * Extensions by CSV, all rows or none, in the device import's two passes: a checking pass (each cell
 * through the API's own zod field schemas, duplicates in the file) that writes nothing, then one
 * transaction that makes each row's changes through the same services as the API routes, so every
 * rule (numbering plan, unique usernames, groups, BLF watchers) and every message is theirs. A row a
 * service refuses is reported with its column, and the transaction is rolled back; so is a dry run,
 * which therefore reports exactly what a real run would.
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
function applyRow(d: ServiceDeps, tenant: Tenant, p: PlannedExtension, exists: boolean): Action {
  let changed = false;
  if (!exists) {
    createExtensionSync(d, tenant.name, ExtensionInput.parse({ number: p.number, displayName: p.displayName, sipUser: p.sipUser, authUser: p.authUser }));
  } else {
    const { ext } = readSettingsSync(d, tenant.name, p.number);
    const patch = Object.fromEntries(
      ([["displayName", p.displayName], ["sipUser", p.sipUser], ["authUser", p.authUser]] as const).filter(([k, v]) => v !== undefined && v !== ext[k]),
    );
    if (Object.keys(patch).length) updateExtensionSync(d, tenant.name, p.number, ExtensionPatch.parse(patch));
    changed = Object.keys(patch).length > 0;
  }
  const { ext, settings } = readSettingsSync(d, tenant.name, p.number);
  const profile = { ...settings.profile, username: p.username ?? settings.profile.username, role: p.role ?? settings.profile.role };
  if (!same(profile, settings.profile)) changed = !!putProfileSync(d, tenant.name, p.number, ProfileInput.parse(profile));
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
  if (!same(voicemail, current)) changed = !!putVoicemailSync(d, tenant.name, p.number, VoicemailInput.parse(voicemail));
  if (p.presence !== undefined && p.presence !== settings.numberSettings.presence) {
    changed = !!putNumberSettingsSync(d, tenant.name, p.number, { ...settings.numberSettings, presence: p.presence });
  }
  if (p.groups !== undefined && !same([...new Set(p.groups)].sort(), extensionGroupNamesSync(d.db, ext.id))) {
    changed = !!setExtensionGroupsSync(d, tenant.name, p.number, p.groups);
  }
  return !exists ? "created" : changed ? "updated" : "unchanged";
}

export interface ExtensionImportOptions {
  readonly dryRun: boolean;
  readonly actor: string;
  readonly fileName: string | null;
  readonly onChecked?: (rows: number) => void;
}

/** Thrown to roll the write pass back (a refused row, or a dry run) while keeping its results. */
class RolledBack extends Error {}

export async function importExtensions(deps: ServiceDeps, tenantName: string, rows: AsyncIterable<CsvRow<ExtensionColumn>>, options: ExtensionImportOptions): Promise<ImportReport<ExtensionColumn>> {
  const tenant = getTenant(deps, tenantName);
  const existingNumbers = () =>
    new Set(deps.db.select({ n: extensions.number }).from(extensions).where(eq(extensions.tenantId, tenant.id)).all().map((r) => r.n));
  const planner = new ExtensionPlanner(existingNumbers());
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

  const problems: ExtensionProblem[] = [];
  let refused = 0;
  const counts = { ...zero };
  let batchId: number | null = null;
  try {
    writeTransaction(deps.db, (tx) => {
      const d = { ...deps, db: tx };
      const existing = existingNumbers();
      for (const p of planner.planned) {
        try {
          counts[tx.transaction((sp) => applyRow({ ...deps, db: sp as unknown as typeof tx }, tenant, p, existing.has(p.number)))]++;
        } catch (err) {
          if (!(err instanceof AppError) || err.status >= 500) throw err;
          const { column, reason } = columnOfMessage(err.message);
          refused++;
          if (problems.length < MAX_PROBLEMS) problems.push({ row: p.row, column, reason });
        }
      }
      if (refused || options.dryRun) throw new RolledBack();
      if (counts.created + counts.updated === 0) return;
      const now = d.clock().getTime();
      batchId = Number(
        deps.db.$client
          .prepare("insert into import_batches (created_at, actor, source, file_name, rows, created, updated, unchanged) values (?, ?, 'extensions', ?, ?, ?, ?, ?)")
          .run(now, options.actor, options.fileName, planner.rows, counts.created, counts.updated, counts.unchanged).lastInsertRowid,
      );
      auditChange(tx, d, { action: "extensions.import", target: `import:${batchId}`, tenantId: tenant.id, after: { ...counts, rows: planner.rows, fileName: options.fileName } });
    });
  } catch (err) {
    if (!(err instanceof RolledBack)) throw err;
  }
  return refused ? report(problems, refused, zero, null) : report([], 0, counts, batchId);
}
