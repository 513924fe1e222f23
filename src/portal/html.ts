/**
 * HTML by construction: `html\`...\`` escapes every interpolated value unless it is already `Html`
 * (the result of another `html` call, or of `raw()` for the few fixed strings that need it).
 * No template engine and no build step: a page is a TypeScript function returning `Html`, so the
 * compiler checks the data a page uses and nothing reaches the browser unescaped by accident.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join("");
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** A fixed string known to be safe HTML (never data from a request or the database). */
export const raw = (s: string): Html => new Html(s);
