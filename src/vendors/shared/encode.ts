/**
 * Value encoders. Adapters run their whole template context through one of these before
 * rendering (templates are compiled with escaping off), so no value can reach a file unencoded.
 */
export type Encoder = (value: string) => string;

/**
 * `key = value` formats (Yealink): a value is one line. CR, LF and every other control character
 * are replaced by a space, so a hostile display name cannot start a new `account.1.password = …` line.
 */
export const encodeLineValue: Encoder = (value) =>
  // eslint-disable-next-line no-control-regex
  value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, " ");

const XML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * XML text and attribute values: the five predefined entities, and control characters that XML 1.0
 * forbids (everything below 0x20 but tab) replaced by a space, so CR/LF cannot split an attribute.
 */
export const encodeXmlValue: Encoder = (value) =>
  value
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\ufffe\uffff]/g, " ")
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
