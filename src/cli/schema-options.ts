import { Command, Option } from "commander";
import type { z } from "zod";
import { AppError, invalidInput } from "../errors.ts";
import { describeIssues } from "../services/schemas.ts";

/**
 * CLI options made from an API input schema, one `--kebab-case` option per field, so a command
 * takes exactly what the route takes and the same zod schema checks it (one rule, one message).
 * Values stay text until the schema sees them, except numbers, booleans and lists; `none` is null
 * for a field that may be null.
 */
type Shape = Record<string, z.ZodType>;

interface FieldKind {
  readonly base: string;
  readonly nullable: boolean;
}

function kindOf(schema: z.ZodType): FieldKind {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: unknown; in?: unknown } } };
  let nullable = false;
  for (;;) {
    const def = s._zod.def;
    if (def.type === "nullable") nullable = true;
    if (def.type === "optional" || def.type === "nullable" || def.type === "default") s = def.innerType as typeof s;
    else if (def.type === "pipe") s = def.in as typeof s;
    else return { base: def.type, nullable };
  }
}

const kebab = (field: string): string => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Adds one option per field of `shape` (minus `skip`) to `cmd`. */
export function addSchemaOptions(cmd: Command, shape: Shape, describe: Record<string, string> = {}, skip: readonly string[] = []): Command {
  for (const [field, schema] of Object.entries(shape)) {
    if (skip.includes(field)) continue;
    const { base, nullable } = kindOf(schema);
    const text = `${describe[field] ?? field}${nullable ? " (none = unset)" : ""}`;
    if (base === "array") cmd.addOption(new Option(`--${kebab(field)} <value>`, `${text} (repeat for several)`).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]));
    else cmd.addOption(new Option(`--${kebab(field)} <value>`, base === "boolean" ? `${text}: true or false` : text));
  }
  return cmd;
}

/** The options given, as the API body the schema parses (numbers and booleans converted). */
export function bodyFromOptions(opts: Record<string, unknown>, shape: Shape): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(shape)) {
    const v = opts[field];
    if (v === undefined) continue;
    const { base, nullable } = kindOf(schema);
    if (nullable && v === "none") body[field] = null;
    else if (base === "number") body[field] = Number(v);
    else if (base === "boolean") body[field] = v === "true" ? true : v === "false" ? false : v;
    else body[field] = v;
  }
  return body;
}

/** Field names in a message as the CLI spells them: `sipServerHost: ...` -> `--sip-server-host: ...`. */
function asOptionNames(message: string, shape: Shape): string {
  return message.replace(/(^|; )([a-z][A-Za-z]*)(?=[[.:])/g, (all, sep: string, field: string) => (field in shape ? `${sep}--${kebab(field)}` : all));
}

/** Parses `body` with `schema`, throwing the schema's problems with the CLI's option names. */
export function parseOptions<S extends z.ZodType>(schema: S, shape: Shape, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw invalidInput(asOptionNames(describeIssues(r.error), shape));
  return r.data;
}

/** Runs `fn`; an input error raised by a service gets the CLI's option names too. */
export function withOptionNames<T>(shape: Shape, fn: () => T): T {
  const renamed = (err: unknown): never => {
    if (err instanceof AppError && err.status === 400) throw new AppError(err.status, err.code, asOptionNames(err.message, shape), err.details);
    throw err;
  };
  try {
    const result = fn();
    // A service on the asynchronous handle refuses through its promise.
    return (result instanceof Promise ? result.catch(renamed) : result) as T;
  } catch (err) {
    return renamed(err);
  }
}
