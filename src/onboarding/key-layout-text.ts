import { describeIssues, KeyInput } from "../services/schemas.ts";

/**
 * The inline key layout of the CSV `key_layout` column (and of claims' `keyLayout`): keys separated
 * by `|`, each `index:kind[:value[:label[:line]]]`, e.g. `2:blf:102|3:speed_dial:5551234:Front desk|4:park`.
 * A `\` escapes `|`, `:` and `\` inside a value or label. Every key goes through the API's KeyInput
 * schema, so the CSV accepts exactly what `PUT /devices/{mac}/keys` accepts.
 * (Named key layouts are issue 3; this column will then also take a layout's name.)
 */
export interface KeyText {
  readonly index: number;
  readonly kind: string;
  readonly value: string | null;
  readonly label: string | null;
  readonly line: number;
}

/** Splits on unescaped `sep`, keeping escapes for a later split. */
function splitEscaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, "$1");
const escape = (s: string): string => s.replace(/[\\|:]/g, (c) => `\\${c}`);

export type ParsedLayout = { ok: true; keys: KeyInput[] } | { ok: false; reason: string };

function parseKey(entry: string, n: number): KeyInput | string {
  const [index = "", kind = "", value = "", label = "", line = "", ...extra] = splitEscaped(entry, ":").map(unescape);
  if (extra.length) return `key ${n} ("${entry.slice(0, 40)}"): at most index:kind:value:label:line`;
  if (!/^[0-9]{1,4}$/.test(index.trim())) return `key ${n} ("${entry.slice(0, 40)}"): starts with the key number, as in 2:blf:102`;
  if (line !== "" && !/^[0-9]{1,3}$/.test(line.trim())) return `key ${n}: the line "${line.slice(0, 8)}" is not a number`;
  const parsed = KeyInput.safeParse({
    index: Number(index),
    kind: kind.trim(),
    value: value === "" ? null : value.trim(),
    label: label === "" ? null : label,
    line: line === "" ? 1 : Number(line),
  });
  return parsed.success ? parsed.data : `key ${index.trim()}: ${describeIssues(parsed.error)}`;
}

/** Parses a non-empty layout text; the reason names the key (by its number) and the problem. */
export function parseKeyLayout(text: string): ParsedLayout {
  const keys: KeyInput[] = [];
  const entries = splitEscaped(text, "|");
  for (const [i, entry] of entries.entries()) {
    if (entry.trim() === "") return { ok: false, reason: `key ${i + 1} of the layout is empty (a stray "|")` };
    const key = parseKey(entry, i + 1);
    if (typeof key === "string") return { ok: false, reason: key };
    keys.push(key);
  }
  return { ok: true, keys };
}

/** The inverse of parseKeyLayout: trailing defaults are left out (`4:park`, not `4:park:::1`). */
export function formatKeyLayout(keys: readonly KeyText[]): string {
  return keys
    .map((k) => {
      const parts = [String(k.index), k.kind, escape(k.value ?? ""), escape(k.label ?? ""), k.line === 1 ? "" : String(k.line)];
      while (parts.length > 2 && parts[parts.length - 1] === "") parts.pop();
      return parts.join(":");
    })
    .join("|");
}
