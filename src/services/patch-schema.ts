import { z } from "zod";

/**
 * The PATCH shape of a create schema: every field optional, no field defaulted, unknown fields
 * refused, and at least one field required.
 *
 * Why not `.partial()`: in zod 4 a field written `x.default(v)` stays a default under `.partial()`,
 * so `{ "resyncMinutes": 60 }` parsed as `{ resyncMinutes: 60, authMode: "credentials",
 * allowedNetworks: [], ... }` and the update wrote every default over the stored row. Here each
 * `ZodDefault` is unwrapped before the field is made optional, so a field the body does not name is
 * absent from the parsed value and the service leaves its column alone.
 *
 * An empty body (`{}`, or a body the parser did not read) is refused with 400: a PATCH that names no
 * field is a client mistake (wrong content type, misspelt field) far more often than a wish to change
 * nothing, and answering 200 would hide it.
 */
export function patchOf<Shape extends z.ZodRawShape>(create: z.ZodObject<Shape>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(create.shape)) shape[key] = withoutDefault(field as z.ZodType).optional();
  const names = Object.keys(shape).join(", ");
  return z
    .strictObject(shape as { [K in keyof Shape]: z.ZodOptional<StripDefault<Shape[K]>> })
    .refine((v) => Object.values(v).some((x) => x !== undefined), { message: `no field given; name at least one of ${names}` });
}

/** Refuses an empty object body: at least one key. For PATCH bodies that are records or hand-written objects. */
export function nonEmpty<S extends z.ZodType<Record<string, unknown>>>(schema: S, fields: string) {
  return schema.refine((v) => Object.values(v).some((x) => x !== undefined), { message: `no field given; name at least one of ${fields}` });
}

type StripDefault<T> = T extends z.ZodDefault<infer Inner> ? StripDefault<Inner> : T extends z.ZodOptional<infer Inner> ? StripDefault<Inner> : T;

/** The field without its `.default()` (and without `.optional()`; the caller re-adds it). */
function withoutDefault(field: z.ZodType): z.ZodType {
  let f: z.ZodType = field;
  for (;;) {
    if (f instanceof z.ZodDefault || f instanceof z.ZodPrefault) f = f.unwrap() as z.ZodType;
    else if (f instanceof z.ZodOptional) f = f.unwrap() as z.ZodType;
    else return f;
  }
}

/** True when parsing `undefined` through `field` yields a value: the field would fill itself in. */
export function fillsItself(field: z.ZodType): boolean {
  const r = field.safeParse(undefined);
  return r.success && r.data !== undefined;
}
