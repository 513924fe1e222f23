import { sql } from "drizzle-orm";
import { expect } from "vitest";
import type { Data } from "../../src/db/data.ts";

/**
 * DDL the schema does not have (a trigger that refuses a row, so that a write fails midway), in
 * each database's own words, for the all-or-nothing tests that run on SQLite and PostgreSQL.
 */
export async function runDdl(data: Data, forms: { sqlite: string; postgres: string }): Promise<void> {
  await data.write(async (q) => {
    const db = q.db as unknown as { run(s: unknown): unknown; execute(s: unknown): unknown };
    await (q.dialect === "sqlite" ? db.run(sql.raw(forms.sqlite)) : db.execute(sql.raw(forms.postgres)));
  });
}

/**
 * Makes the database refuse inserts into `table` whose `column` holds `value`, with `<name> refused`
 * (a trigger named refuse_<name>): a write made to fail midway, at the row chosen.
 */
export const refuseInsert = (data: Data, name: string, table: string, column: string, value: string) =>
  runDdl(data, {
    sqlite: `CREATE TRIGGER refuse_${name} BEFORE INSERT ON ${table} WHEN NEW.${column} = '${value}' BEGIN SELECT RAISE(ABORT, '${name} refused'); END`,
    postgres: `CREATE FUNCTION refuse_${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.${column} = '${value}' THEN RAISE EXCEPTION '${name} refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_${name}()`,
  });

/** Makes the audit insert of `action` fail: often the last write of the transaction that records it. */
export const refuseAudit = (data: Data, action: string) => refuseInsert(data, "audit", "audit_log", "action", action);

/** A trigger's refusal, as SQLite reports it or as drizzle wraps PostgreSQL's (the cause). */
export async function expectRefusedByTrigger(p: Promise<unknown>, message: RegExp = /audit refused/): Promise<void> {
  const err = (await p.then(() => null, (e: unknown) => e)) as (Error & { cause?: Error }) | null;
  expect(err, "the write should fail").not.toBeNull();
  expect(`${err!.message} ${err!.cause?.message ?? ""}`).toMatch(message);
}
