import { eq } from "drizzle-orm";
import type { Data } from "../db/data.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { invalidInput } from "../errors.ts";
import type { SecretBox } from "../secrets.ts";
import { credentialOfIn, type SipCredential } from "./credentials.ts";

/**
 * FreeSWITCH mod_xml_curl directory lookups (docs/pbx.md, "FreeSWITCH"). FreeSWITCH POSTs the
 * lookup as form fields (`section`, `tag_name`, `key_name`, `key_value`, `user`, `domain`,
 * `action`, ...) and takes a `freeswitch/xml` document: the user's directory entry, or the
 * `<result status="not found"/>` document, which makes FreeSWITCH treat the user as unknown.
 * Format: FreeSWITCH documentation, "HTTP Integration: XML Curl" and "The User Directory".
 */
export const NOT_FOUND_DOCUMENT = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<document type="freeswitch/xml">
  <section name="result">
    <result status="not found"/>
  </section>
</document>
`;

const FIELD_MAX = 256;

/** The form fields phonehome reads; refuses (400) a body that is not a directory lookup form. */
function parseDirectoryRequest(body: string): { section: string; domain: string; user: string | null; action: string | null } {
  if (body.length > 65_536) throw invalidInput("the form is larger than 64 KiB");
  const form = new URLSearchParams(body);
  const get = (name: string): string | null => {
    const all = form.getAll(name);
    if (all.length > 1) throw invalidInput(`${name}: given more than once`);
    const v = all[0];
    if (v === undefined || v === "") return null;
    if (v.length > FIELD_MAX || hasControlCharacters(v)) throw invalidInput(`${name}: must be at most ${FIELD_MAX} printable characters`);
    return v;
  };
  const section = get("section");
  if (!section) throw invalidInput("section: missing; mod_xml_curl sends section=directory (form-encoded body)");
  const domain = get("domain") ?? (get("tag_name") === "domain" && get("key_name") === "name" ? get("key_value") : null);
  if (section === "directory" && !domain) throw invalidInput("domain: a directory lookup needs the domain (domain= or key_value=)");
  return { section, domain: domain ?? "", user: get("user"), action: get("action") };
}

const xml = (v: string) => v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

/** The directory document of one extension: `a1-hash` (never the password), caller id, voicemail PIN. */
export function directoryDocument(c: SipCredential): string {
  const params = [`<param name="a1-hash" value="${xml(c.ha1)}"/>`];
  if (c.voicemailPin !== null) params.push(`<param name="vm-password" value="${xml(c.voicemailPin)}"/>`);
  const variables = [
    `<variable name="effective_caller_id_name" value="${xml(c.displayName)}"/>`,
    `<variable name="effective_caller_id_number" value="${xml(c.number)}"/>`,
    `<variable name="user_context" value="${xml(c.tenant)}"/>`,
  ];
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<document type="freeswitch/xml">
  <section name="directory">
    <domain name="${xml(c.domain)}">
      <user id="${xml(c.authUser)}" number-alias="${xml(c.number)}">
        <params>
          ${params.join("\n          ")}
        </params>
        <variables>
          ${variables.join("\n          ")}
        </variables>
      </user>
    </domain>
  </section>
</document>
`;
}

/**
 * Answers one lookup: the entry when `domain` is the SIP domain of a tenant the caller may read and
 * `user` its auth user (or SIP user, or number) of an enabled extension; else the not-found document.
 */
export async function answerDirectory(deps: { data: Data; secrets: SecretBox }, body: string, mayRead: (tenant: string) => boolean): Promise<string> {
  const req = parseDirectoryRequest(body);
  if (req.section !== "directory" || !req.user) return NOT_FOUND_DOCUMENT;
  const domain = req.domain.toLowerCase();
  return deps.data.read(async (q) => {
    for (const tenant of await q.db.select().from(q.t.tenants).orderBy(q.t.tenants.id)) {
      if (tenant.sipDomain.toLowerCase() !== domain || !mayRead(tenant.name)) continue;
      const rows = await q.db.select().from(q.t.extensions).where(eq(q.t.extensions.tenantId, tenant.id)).orderBy(q.t.extensions.id);
      const ext = rows.find((e) => e.authUser === req.user) ?? rows.find((e) => e.sipUser === req.user || e.number === req.user);
      if (!ext) continue;
      const c = await credentialOfIn(q, deps.secrets, tenant, ext);
      if (c.enabled) return directoryDocument(c);
    }
    return NOT_FOUND_DOCUMENT;
  });
}
