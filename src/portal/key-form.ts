import { KEY_KINDS } from "../domain/phone-config.ts";
import { html, raw, type Html } from "./html.ts";
import { Fields } from "./request.ts";
import { formErrors } from "./ui.ts";

/**
 * The key editor's form, shared by a device's keys and a key layout's: each key is three fields
 * `key.<n>.kind`, `key.<n>.value`, `key.<n>.label`; a key with no kind is left out (empty slot).
 * Decoded into the API's `KeysInput` shape, and its refusal mapped back onto the key it names.
 */
export interface KeyFormInput {
  /** The submitted fields, to draw the form again after a refusal. */
  readonly values: Record<string, string>;
  readonly keys: { index: number; kind: string; value: string | null; label: string | null }[];
}

const KEY_FORM_KINDS: readonly string[] = [...KEY_KINDS, "blf_group"];

export function readKeyForm(form: URLSearchParams): KeyFormInput {
  const f = new Fields(form);
  const values: Record<string, string> = {};
  const keys: KeyFormInput["keys"] = [];
  for (const [name] of form) {
    const m = /^key\.(\d+)\.kind$/.exec(name);
    if (!m) continue;
    const n = Number(m[1]);
    for (const part of ["kind", "value", "label"]) values[`key.${n}.${part}`] = f.str(`key.${n}.${part}`);
    if (f.str(`key.${n}.kind`)) keys.push({ index: n, kind: f.str(`key.${n}.kind`), value: f.opt(`key.${n}.value`), label: f.opt(`key.${n}.label`) });
  }
  return { values, keys };
}

/**
 * The refusal of a key list, by key: errors name a key by its array position ("3.value",
 * "keys[3]") or its index ("key 12: …"); each is put on `key.<index>`, the rest is general.
 * `keep`: other fields of the form whose errors stay on them. Null when the error is not the
 * input's fault (rethrow it).
 */
export function keyFormErrors(err: unknown, keys: KeyFormInput["keys"], prefix = "", keep: readonly string[] = []): { errors: Record<string, string>; general: string[] } | null {
  const fe = formErrors(err);
  if (!fe) return null;
  const errors: Record<string, string> = {};
  const general: string[] = [];
  for (const [k, v] of Object.entries(fe.errors)) {
    const pos = new RegExp(`^${prefix.replace(/\./g, "\\.")}(\\d+)\\.`).exec(k);
    if (pos && keys[Number(pos[1])]) errors[`key.${keys[Number(pos[1])]!.index}`] = v;
    else if (keep.includes(k)) errors[k] = v;
    else general.push(`${k}: ${v}`);
  }
  for (const g of fe.general) {
    const m = /key (\d+)/.exec(g) ?? /^keys\[(\d+)\]/.exec(g);
    const idx = m ? (g.startsWith("keys[") ? keys[Number(m[1])]?.index : Number(m[1])) : undefined;
    if (idx !== undefined) errors[`key.${idx}`] = g;
    else general.push(g);
  }
  return { errors, general: general.length ? general : Object.keys(errors).length ? [] : ["The keys were refused."] };
}

/** The three controls of key `n` (kind, value, label), labelled for a screen reader. */
export function keyControls(n: number, current: { kind: string; value: string; label: string }, emptyLabel = "(empty)"): Html {
  return html`<label><span class="muted">Kind</span><select name="key.${n}.kind" aria-label="Key ${n} kind"><option value="">${emptyLabel}</option>${KEY_FORM_KINDS.map((x) => html`<option value="${x}"${x === current.kind ? raw(" selected") : ""}>${x}</option>`)}</select></label>
<label><span class="muted">Value</span><input type="text" name="key.${n}.value" value="${current.value}" aria-label="Key ${n} value"></label>
<label><span class="muted">Label</span><input type="text" name="key.${n}.label" value="${current.label}" aria-label="Key ${n} label"></label>`;
}
