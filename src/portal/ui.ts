import { ZodError } from "zod";
import { AppError } from "../errors.ts";
import { html, raw, type Html } from "./html.ts";
import type { Scope } from "./scope.ts";

/** The page frame, navigation and form controls shared by every portal page. */

export interface PageContext {
  readonly scope: Scope | null;
  readonly csrf: string;
  readonly path: string;
}

interface NavItem {
  readonly href: string;
  readonly label: string;
}

function navFor(scope: Scope): NavItem[] {
  const items: NavItem[] = [];
  if (scope.self) items.push({ href: "/me", label: "My extension" });
  if (scope.role !== null || scope.directory) items.push({ href: "/extensions", label: "Extensions" });
  if (scope.role !== null) items.push({ href: "/devices", label: "Devices" });
  if (scope.role === "admin" || scope.role === "technician") items.push({ href: "/onboarding", label: "Onboarding" });
  if (scope.role !== null) items.push({ href: "/tenants", label: "Tenants" });
  if (scope.role !== null) items.push({ href: "/audit", label: "Audit" }, { href: "/firmware", label: "Firmware" });
  if (scope.role === "admin" && scope.unlimited) items.push({ href: "/accounts", label: "Accounts" });
  return items;
}

export function page(pc: PageContext, title: string, body: Html, options: { refreshSeconds?: number } = {}): string {
  const nav = pc.scope ? navFor(pc.scope) : [];
  const current = (href: string) => pc.path === href || pc.path.startsWith(`${href}/`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · phonehome</title>
<link rel="stylesheet" href="/assets/portal.css">
${options.refreshSeconds ? html`<noscript><meta http-equiv="refresh" content="${options.refreshSeconds}"></noscript>` : ""}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a href="/"><strong>phonehome</strong></a>
${nav.length
  ? html`<nav aria-label="Main"><ul>${nav.map((n) => html`<li><a href="${n.href}"${current(n.href) ? raw(' aria-current="page"') : ""}>${n.label}</a></li>`)}</ul></nav>`
  : ""}
${pc.scope
  ? html`<div class="who"><span>${pc.scope.subject.username} <span class="badge">${pc.scope.subject.kind === "system" ? pc.scope.subject.role : pc.scope.subject.role}</span></span>
<form method="post" action="/logout">${csrfField(pc.csrf)}<button type="submit">Sign out</button></form></div>`
  : ""}
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
<script src="/assets/portal.js" defer></script>
</body>
</html>`.value;
}

const csrfField = (token: string): Html => html`<input type="hidden" name="_csrf" value="${token}">`;

// --- form state and errors ---

/** Values shown in a form (the stored section, or what was just submitted) and the errors per field. */
export interface FormState {
  readonly values: unknown;
  readonly errors: Readonly<Record<string, string>>;
  /** Errors that name no field of the form. */
  readonly general: readonly string[];
}

export const cleanForm = (values: unknown): FormState => ({ values, errors: {}, general: [] });

/**
 * The API's error, split by field: zod issues by their path (`conditional.busy.destination`), an
 * AppError by its `field: reason` prefix. `fields` are the form's field names; anything else is general.
 */
export function formErrors(err: unknown, fields?: readonly string[]): { errors: Record<string, string>; general: string[] } | null {
  const errors: Record<string, string> = {};
  const general: string[] = [];
  const put = (field: string, message: string) => {
    const known = !fields || fields.includes(field) || fields.some((f) => f.startsWith(`${field}.`));
    if (known && field) errors[field] = errors[field] ? `${errors[field]}; ${message}` : message;
    else general.push(field ? `${field}: ${message}` : message);
  };
  if (err instanceof ZodError) {
    for (const i of err.issues) put(i.path.join("."), i.message);
    return { errors, general };
  }
  if (err instanceof AppError && err.status < 500 && err.status !== 401 && err.status !== 403) {
    const m = /^([A-Za-z][\w.]*): (.+)$/s.exec(err.message);
    if (m) put(m[1]!, m[2]!);
    else general.push(err.message);
    return { errors, general };
  }
  return null;
}

export function valueAt(values: unknown, path: string): unknown {
  let v: unknown = values;
  for (const part of path.split(".")) {
    if (v === null || v === undefined || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const idOf = (name: string) => `f-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;

function errorOf(st: FormState, name: string): Html {
  const e = st.errors[name];
  return e ? html`<p class="field-error" id="${idOf(name)}-err">${e}</p>` : html``;
}

function aria(st: FormState, name: string): Html {
  return st.errors[name] ? html` aria-invalid="true" aria-describedby="${idOf(name)}-err"` : html``;
}

const str = (v: unknown): string => (v === null || v === undefined ? "" : Array.isArray(v) ? v.join("\n") : String(v));

export interface TextOptions {
  readonly type?: "text" | "password" | "email" | "number" | "search" | "time";
  readonly hint?: string;
  readonly required?: boolean;
  readonly autocomplete?: string;
  /** Value shown instead of the stored one (e.g. empty for a secret). */
  readonly value?: string;
  readonly placeholder?: string;
}

export function textField(st: FormState, name: string, label: string, o: TextOptions = {}): Html {
  const id = idOf(name);
  const value = o.value ?? str(valueAt(st.values, name));
  return html`<label for="${id}"><span class="l">${label}${o.required ? " (mandatory)" : ""}</span>
${o.hint ? html`<span class="muted">${o.hint}</span>` : ""}
<input id="${id}" name="${name}" type="${o.type ?? "text"}" value="${value}"${o.required ? raw(" required") : ""}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ""}${o.placeholder ? html` placeholder="${o.placeholder}"` : ""}${aria(st, name)}></label>
${errorOf(st, name)}`;
}

export function textArea(st: FormState, name: string, label: string, hint?: string): Html {
  const id = idOf(name);
  return html`<label for="${id}"><span class="l">${label}</span>${hint ? html`<span class="muted">${hint}</span>` : ""}
<textarea id="${id}" name="${name}"${aria(st, name)}>${str(valueAt(st.values, name))}</textarea></label>${errorOf(st, name)}`;
}

export function selectField(st: FormState, name: string, label: string, options: readonly (readonly [string, string])[], o: { required?: boolean; hint?: string } = {}): Html {
  const id = idOf(name);
  const current = str(valueAt(st.values, name));
  return html`<label for="${id}"><span class="l">${label}${o.required ? " (mandatory)" : ""}</span>${o.hint ? html`<span class="muted">${o.hint}</span>` : ""}
<select id="${id}" name="${name}"${aria(st, name)}>${options.map(([v, l]) => html`<option value="${v}"${v === current ? raw(" selected") : ""}>${l}</option>`)}</select></label>
${errorOf(st, name)}`;
}

/** A checkbox that always submits: a hidden "false" before it, so an unticked box means false. */
export function checkField(st: FormState, name: string, label: string): Html {
  const id = idOf(name);
  const on = valueAt(st.values, name) === true || valueAt(st.values, name) === "true";
  return html`<input type="hidden" name="${name}" value="false"><label class="check" for="${id}"><input id="${id}" type="checkbox" name="${name}" value="true"${on ? raw(" checked") : ""}${aria(st, name)}> <span>${label}</span></label>${errorOf(st, name)}`;
}

export function generalErrors(st: FormState): Html {
  const all = [...st.general, ...(Object.keys(st.errors).length ? ["Check the fields marked below."] : [])];
  return all.length ? html`<div class="notice bad" role="alert">${all.map((g) => html`<p>${g}</p>`)}</div>` : html``;
}

/** A form posting to `action` with the CSRF token; `enctype` for uploads. */
export function form(pc: PageContext, action: string, body: Html, o: { submit?: string; confirm?: string; danger?: boolean; multipart?: boolean; cls?: string; id?: string } = {}): Html {
  return html`<form method="post" action="${action}" class="${o.cls ?? "stack"}"${o.id ? html` id="${o.id}"` : ""}${o.multipart ? raw(' enctype="multipart/form-data"') : ""}${o.confirm ? html` data-confirm="${o.confirm}"` : ""}>
${csrfField(pc.csrf)}${body}${o.submit ? html`<div class="actions"><button type="submit"${o.danger ? raw(' class="danger"') : ""}>${o.submit}</button></div>` : ""}</form>`;
}

export function notice(text: string | undefined, kind: "ok" | "bad" | "" = "ok"): Html {
  return text ? html`<div class="notice ${kind}" role="status">${text}</div>` : html``;
}

export function table(headers: readonly string[], rows: readonly Html[], caption?: string): Html {
  return html`<div class="table-wrap"><table>${caption ? html`<caption class="muted">${caption}</caption>` : ""}<thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export const when = (cond: boolean, h: () => Html): Html => (cond ? h() : html``);
