import { UNSAFE_CHARACTERS } from "../../domain/validation.ts";

/**
 * Value encoders. Adapters run their whole template context through one of these before
 * rendering (templates are compiled with escaping off), so no value can reach a file unencoded.
 */
export type Encoder = (value: string) => string;

/**
 * `key = value` formats (Yealink): a value is one line. CR, LF and every other control character
 * are replaced by a space, so a hostile display name cannot start a new `account.1.password = …` line.
 * C1 controls and bidi controls go the same way (domain/validation.ts): the API refuses them, and
 * a value stored before it did never reaches a phone.
 */
export const encodeLineValue: Encoder = (value) => value.replace(UNSAFE_CHARACTERS, " ");

const XML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * XML text and attribute values: the five predefined entities, and every character below 0x20 (XML
 * 1.0 forbids most of them; CR, LF and tab would be normalised in an attribute), DEL, C1 and bidi
 * controls replaced by a space, so CR/LF cannot split an attribute.
 */
export const encodeXmlValue: Encoder = (value) =>
  value
    .replace(UNSAFE_CHARACTERS, " ")
    .replace(/[\ufffe\uffff]/g, " ")
    .replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);

/**
 * Applies `encode` to every string in `value`, deeply; numbers and booleans become strings.
 * Arrays and plain objects are copied; the input is not modified.
 */
export function encodeDeep<T>(value: T, encode: Encoder): Encoded<T> {
  if (typeof value === "string") return encode(value) as Encoded<T>;
  if (typeof value === "number" || typeof value === "boolean") return String(value) as Encoded<T>;
  if (value === null || value === undefined) return value as Encoded<T>;
  if (Array.isArray(value)) return value.map((v) => encodeDeep(v, encode)) as Encoded<T>;
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeDeep(v, encode);
    return out as Encoded<T>;
  }
  throw new TypeError(`cannot encode a ${typeof value} into a config file`);
}

export type Encoded<T> = T extends string | number | boolean
  ? string
  : T extends null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? Encoded<U>[]
      : { [K in keyof T]: Encoded<T[K]> };
