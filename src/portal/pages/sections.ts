import type { z } from "zod";
import { DAYS, AllowedEndpointsInput, CallWaitingInput, ForwardingInput, MonitoringInput, NumberSettingsInput, ProfileInput, ROLES, VoicemailInput } from "../../services/extension-settings/schemas.ts";
import { putAllowedEndpoints, putCallWaiting, putForwarding, putMonitoring, putNumberSettings, putProfile, putVoicemail } from "../../services/extension-settings/sections.ts";
import type { ExtensionSettings } from "../../services/extension-settings/store.ts";
import type { ExtensionRow } from "../../db/rows.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { html, raw, type Html } from "../html.ts";
import type { Fields } from "../request.ts";
import { checkField, selectField, textArea, textField, valueAt, when, type FormState } from "../ui.ts";

/**
 * The guide's sections of an extension as forms: each decodes its form into the API schema's JSON
 * shape, saves through the API's service, and renders from a section value (stored or submitted).
 * Fields that the guide's pop-up hides (it "expands" only when a choice needs them) are sent as null
 * when hidden, so a collapsed section does not trip the "only applies when" rules.
 */

export interface SectionContext {
  readonly deps: ProvisionDeps;
  readonly tenant: string;
  readonly ext: ExtensionRow;
  readonly settings: ExtensionSettings;
  /** The extension's phone numbers (presentation number choices). */
  readonly phoneNumbers: readonly string[];
  /** MACs and labels of the tenant's devices (allowed IP phones). */
  readonly devices: readonly { mac: string; label: string | null; model: string }[];
  /** The MACs of `ipPhone.devices`, or null when any device of the tenant is allowed. */
  readonly allowedDevices: readonly string[] | null;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  /** Every field name the form has, for placing errors. */
  readonly fields: readonly string[];
  /** The form's values from the stored settings (secrets left out). */
  view(c: SectionContext): unknown;
  /** The API body from the submitted form; `c` fills kept secrets. */
  decode(f: Fields, c: SectionContext): unknown;
  save(c: SectionContext, body: unknown): Promise<unknown>;
  render(st: FormState, c: SectionContext): Html;
}

export const profileSection: Section = {
  id: "information",
  title: "Extension information",
  fields: ["username", "fullName", "authentication", "personalContact", "loginAllowed", "role"],
  view: (c) => c.settings.profile,
  decode: (f) => ({
    username: f.str("username").trim(),
    fullName: f.opt("fullName"),
    authentication: f.str("authentication"),
    personalContact: f.opt("personalContact"),
    loginAllowed: f.bool("loginAllowed"),
    role: f.str("role"),
  }),
  save: (c, body) => putProfile(c.deps, c.tenant, c.ext.number, ProfileInput.parse(body)),
  render: (st) => html`${textField(st, "username", "Username", { required: true, hint: `Signs in to the portal as username@tenant` })}
${textField(st, "fullName", "Full name")}
${selectField(st, "authentication", "Authentication", [["single_step", "Single step (password)"], ["two_step", "Two steps (password, then a code sent to the personal contact)"]])}
${textField(st, "personalContact", "Personal contact", { hint: "Email address or phone number; mandatory with two steps. A code to a phone number needs an SMS gateway, which phonehome does not have: use an email address." })}
${checkField(st, "loginAllowed", "Allowed to log in")}
${selectField(st, "role", "Role", ROLES.map((r) => [r, r] as const), { required: true })}`,
};

const numberSection: Section = {
  id: "number-settings",
  title: "Number settings",
  fields: ["shortNumber", "presentationNumber", "dialPlanProfile", "country", "presentation", "presence", "recordedCalls"],
  view: (c) => c.settings.numberSettings,
  decode: (f) => ({
    shortNumber: f.opt("shortNumber"),
    presentationNumber: f.opt("presentationNumber"),
    dialPlanProfile: f.opt("dialPlanProfile"),
    country: f.opt("country"),
    presentation: f.str("presentation"),
    presence: f.bool("presence"),
    recordedCalls: f.bool("recordedCalls"),
  }),
  save: (c, body) => putNumberSettings(c.deps, c.tenant, c.ext.number, NumberSettingsInput.parse(body)),
  render: (st, c) => html`${textField(st, "shortNumber", "Short number", { hint: "2-15 digits" })}
${selectField(st, "presentationNumber", "Presentation number", [["", "(none)"], ...c.phoneNumbers.map((n) => [n, n] as const)], { hint: "One of the extension's phone numbers" })}
${textField(st, "dialPlanProfile", "Dial plan profile")}
${textField(st, "country", "Country", { hint: "ISO 3166 two-letter code, e.g. PT" })}
${selectField(st, "presentation", "Display presentation number", [["number", "Show the presentation number on outgoing calls"], ["anonymous", "Call anonymously"]])}
${checkField(st, "presence", "Presence: the extension can be monitored (BLF keys may watch it)")}
${checkField(st, "recordedCalls", "Calls can be recorded")}`,
};

const endpointsSection: Section = {
  id: "allowed-endpoints",
  title: "Allowed endpoints",
  fields: ["softphone.allowed", "softphone.client", "mobileApp", "thirdPartySoftphone.allowed", "thirdPartySoftphone.sipUsername", "thirdPartySoftphone.sipPassword", "ipPhone.allowed", "ipPhone.devices", "ipPhone.scope"],
  view: (c) => {
    const a = c.settings.allowedEndpoints;
    const devices = c.allowedDevices;
    return {
      softphone: a.softphone,
      mobileApp: a.mobileApp,
      thirdPartySoftphone: { allowed: a.thirdPartySoftphone.allowed, sipUsername: a.thirdPartySoftphone.sipUsername },
      ipPhone: { allowed: a.ipPhone.allowed, scope: devices === null ? "any" : "listed", devices: devices ?? [] },
    };
  },
  decode: (f, c) => {
    const tpAllowed = f.bool("thirdPartySoftphone.allowed");
    const stored = c.settings.allowedEndpoints.thirdPartySoftphone.sipPasswordEnc;
    // An empty password field keeps the stored password (it is never sent to the browser).
    const typed = f.opt("thirdPartySoftphone.sipPassword");
    const sipPassword = tpAllowed ? (typed ?? (stored ? c.deps.secrets.open(stored) : null)) : null;
    const ipAllowed = f.bool("ipPhone.allowed");
    return {
      softphone: { allowed: f.bool("softphone.allowed"), client: f.bool("softphone.allowed") ? f.opt("softphone.client") : null },
      mobileApp: f.bool("mobileApp"),
      thirdPartySoftphone: { allowed: tpAllowed, sipUsername: tpAllowed ? f.opt("thirdPartySoftphone.sipUsername") : null, sipPassword },
      ipPhone: { allowed: ipAllowed, devices: ipAllowed && f.str("ipPhone.scope") === "listed" ? f.all("ipPhone.devices") : null },
    };
  },
  save: (c, body) => putAllowedEndpoints(c.deps, c.tenant, c.ext.number, AllowedEndpointsInput.parse(body)),
  render: (st, c) => {
    const chosen = new Set((valueAt(st.values, "ipPhone.devices") as string[] | null) ?? []);
    const scope = String(valueAt(st.values, "ipPhone.scope") ?? "any");
    const hasPassword = c.settings.allowedEndpoints.thirdPartySoftphone.sipPasswordEnc !== null;
    return html`${checkField(st, "softphone.allowed", "Softphone can be used")}
<div data-show-when="softphone.allowed=true">${selectField(st, "softphone.client", "Softphone client", [["", "(choose)"], ["basic", "Basic softphone client"], ["operator_console", "Operator console"]])}</div>
${checkField(st, "mobileApp", "Mobile application can be used")}
${checkField(st, "thirdPartySoftphone.allowed", "Third-party softphones can be used")}
<div data-show-when="thirdPartySoftphone.allowed=true">${textField(st, "thirdPartySoftphone.sipUsername", "SIP username")}
${textField(st, "thirdPartySoftphone.sipPassword", "SIP password", { type: "password", value: "", autocomplete: "new-password", hint: hasPassword ? "A password is set; leave empty to keep it" : "At least 8 characters" })}</div>
${checkField(st, "ipPhone.allowed", "IP phone can be used")}
<div data-show-when="ipPhone.allowed=true"><fieldset><legend>Which IP phones</legend>
<label class="check"><input type="radio" name="ipPhone.scope" value="any"${scope === "any" ? raw(" checked") : ""}> <span>Any phone of the tenant</span></label>
<label class="check"><input type="radio" name="ipPhone.scope" value="listed"${scope === "listed" ? raw(" checked") : ""}> <span>Only these phones:</span></label>
${c.devices.map((d) => html`<label class="check"><input type="checkbox" name="ipPhone.devices" value="${d.mac}"${chosen.has(d.mac) ? raw(" checked") : ""}> <span>${d.mac} ${d.model}${d.label ? ` (${d.label})` : ""}</span></label>`)}
</fieldset>${st.errors["ipPhone.devices"] ? html`<p class="field-error">${st.errors["ipPhone.devices"]}</p>` : ""}</div>`;
  },
};

export const voicemailSection: Section = {
  id: "voicemail",
  title: "Voicemail",
  fields: ["unansweredCalls", "pin", "removePin", "welcomeMessage", "emailNotification", "email"],
  view: (c) => {
    const { pinEnc: _p, ...rest } = c.settings.voicemail;
    return { ...rest, pin: "" };
  },
  decode: (f, c) => {
    const vm = f.str("unansweredCalls") === "voicemail";
    const stored = c.settings.voicemail.pinEnc;
    // An empty PIN keeps the stored one (never sent to the browser) unless "remove" is ticked.
    const pin = !vm || f.bool("removePin") ? null : (f.opt("pin") ?? (stored ? c.deps.secrets.open(stored) : null));
    const notify = vm && f.bool("emailNotification");
    return {
      unansweredCalls: f.str("unansweredCalls"),
      pin,
      welcomeMessage: vm ? f.opt("welcomeMessage") : null,
      emailNotification: notify,
      email: notify ? f.opt("email") : f.opt("email"),
    };
  },
  save: (c, body) => putVoicemail(c.deps, c.tenant, c.ext.number, VoicemailInput.parse(body)),
  render: (st, c) => html`${selectField(st, "unansweredCalls", "Unanswered calls", [["voicemail", "Send to voicemail"], ["end", "End the call"]])}
<div data-show-when="unansweredCalls=voicemail">
${textField(st, "pin", "PIN", { type: "password", value: "", autocomplete: "off", hint: c.settings.voicemail.pinEnc ? "A PIN is set; leave empty to keep it. 4-10 digits." : "4-10 digits" })}
${when(c.settings.voicemail.pinEnc !== null, () => checkField(st, "removePin", "Remove the PIN"))}
${textField(st, "welcomeMessage", "Welcome message", { hint: "Name of the announcement callers hear" })}
${checkField(st, "emailNotification", "Email notification when a voicemail is received")}
${textField(st, "email", "Email address", { type: "email", hint: "Mandatory with email notification" })}
</div>`,
};

const callWaitingSection: Section = {
  id: "call-waiting",
  title: "Call waiting & holding",
  fields: ["queueCalls", "maxWaitingCalls", "queueWelcomeMessage", "maxSimultaneousCalls", "musicOnHold"],
  view: (c) => c.settings.callWaiting,
  decode: (f) => {
    const q = f.bool("queueCalls");
    return {
      queueCalls: q,
      maxWaitingCalls: q ? f.num("maxWaitingCalls") : null,
      queueWelcomeMessage: q ? f.opt("queueWelcomeMessage") : null,
      maxSimultaneousCalls: q ? f.num("maxSimultaneousCalls") : null,
      musicOnHold: q ? f.opt("musicOnHold") : null,
    };
  },
  save: (c, body) => putCallWaiting(c.deps, c.tenant, c.ext.number, CallWaitingInput.parse(body)),
  render: (st) => html`${checkField(st, "queueCalls", "Queue calls")}
<div data-show-when="queueCalls=true">
${textField(st, "maxWaitingCalls", "Maximum waiting calls", { type: "number", hint: "1-50" })}
${textField(st, "queueWelcomeMessage", "Waiting queue welcome message", { hint: "Name of the announcement" })}
${textField(st, "maxSimultaneousCalls", "Maximum simultaneous calls", { type: "number", hint: "1-50" })}
${textField(st, "musicOnHold", "Music on hold", { hint: "Name of the audio file" })}
</div>`,
};

const monitoringSection: Section = {
  id: "monitoring",
  title: "Monitoring",
  fields: ["monitorOthers", "allowMonitoring"],
  view: (c) => c.settings.monitoring,
  decode: (f) => ({ monitorOthers: f.bool("monitorOthers"), allowMonitoring: f.bool("allowMonitoring") }),
  save: (c, body) => putMonitoring(c.deps, c.tenant, c.ext.number, MonitoringInput.parse(body)),
  render: (st) => html`${checkField(st, "monitorOthers", "Monitor users' calls (this extension may listen to others' calls)")}
${checkField(st, "allowMonitoring", "Allow calls to be monitored (others may listen to this extension's calls)")}`,
};

const RULE_ROWS_EXTRA = 1;
type Fwd = z.input<typeof ForwardingInput>;

export const forwardingSection: Section = {
  id: "forwarding",
  title: "Forwarding",
  fields: [
    "unconditional.mode",
    "unconditional.destination",
    "unconditional.rules",
    ...Array.from({ length: 33 }, (_, i) => [`unconditional.rules.${i}.days`, `unconditional.rules.${i}.from`, `unconditional.rules.${i}.to`, `unconditional.rules.${i}`]).flat(),
    "exceptionNumbers",
    ...Array.from({ length: 1000 }, (_, i) => `exceptionNumbers.${i}`).slice(0, 50),
    "conditional.notReachable.action",
    "conditional.notReachable.destination",
    "conditional.busy.action",
    "conditional.busy.destination",
    "conditional.noAnswer.action",
    "conditional.noAnswer.destination",
    "conditional.noAnswer.ringTimeSeconds",
  ],
  view: (c) => c.settings.forwarding,
  decode: (f) => {
    const mode = f.str("unconditional.mode");
    const rules: { days: string[]; from: string; to: string }[] = [];
    for (let i = 0; i < 33; i++) {
      const days = f.all(`unconditional.rules.${i}.days`);
      const from = f.str(`unconditional.rules.${i}.from`).trim();
      const to = f.str(`unconditional.rules.${i}.to`).trim();
      if (days.length || from || to) rules.push({ days, from, to });
    }
    const cond = (k: "notReachable" | "busy") => {
      const action = f.str(`conditional.${k}.action`);
      return { action, destination: action === "forward" ? f.opt(`conditional.${k}.destination`) : null };
    };
    const na = f.str("conditional.noAnswer.action");
    const body: Fwd = {
      unconditional: { mode: mode as "none", destination: mode === "none" ? null : f.opt("unconditional.destination"), rules: mode === "schedule" ? rules as never : [] },
      exceptionNumbers: f.lines("exceptionNumbers"),
      conditional: {
        notReachable: cond("notReachable") as never,
        busy: cond("busy") as never,
        noAnswer: { action: na as "end", destination: na === "forward" ? f.opt("conditional.noAnswer.destination") : null, ringTimeSeconds: na === "forward" ? (f.num("conditional.noAnswer.ringTimeSeconds") as number) : null },
      },
    };
    return body;
  },
  save: (c, body) => putForwarding(c.deps, c.tenant, c.ext.number, ForwardingInput.parse(body)),
  render: (st) => {
    const rules = ((valueAt(st.values, "unconditional.rules") as { days: string[]; from: string; to: string }[] | undefined) ?? []).slice(0, 32);
    const rows = [...rules, ...Array.from({ length: RULE_ROWS_EXTRA }, () => ({ days: [] as string[], from: "", to: "" }))];
    const err = (name: string) => (st.errors[name] ? html`<p class="field-error">${st.errors[name]}</p>` : html``);
    const action = (k: string, label: string, extra: Html = html``) => html`<fieldset><legend>${label}</legend>
${selectField(st, `conditional.${k}.action`, "Action", [["end", "End the call"], ["forward", "Forward the call"]])}
<div data-show-when="conditional.${k}.action=forward">${extra}${textField(st, `conditional.${k}.destination`, "Destination number")}</div></fieldset>`;
    return html`<h3>Unconditional forward</h3>
${selectField(st, "unconditional.mode", "Call forwarding", [["none", "Don't forward calls"], ["destination", "Forward calls to a destination number"], ["schedule", "Forward calls according to schedule rules"]])}
<div data-show-when="unconditional.mode=destination|schedule">${textField(st, "unconditional.destination", "Destination number")}</div>
<div data-show-when="unconditional.mode=schedule"><fieldset><legend>Schedule rules (the tenant's time zone; "to" is exclusive, 24:00 ends the day)</legend>
${err("unconditional.rules")}
${rows.map((r, i) => html`<fieldset><legend>Rule ${i + 1}${i >= rules.length ? " (new)" : ""}</legend>
<div class="actions">${DAYS.map((d) => html`<label class="check"><input type="checkbox" name="unconditional.rules.${i}.days" value="${d}"${r.days.includes(d) ? raw(" checked") : ""}> <span>${d}</span></label>`)}</div>
${err(`unconditional.rules.${i}.days`)}${err(`unconditional.rules.${i}`)}
${textField(st, `unconditional.rules.${i}.from`, "From", { value: r.from, placeholder: "09:00" })}
${textField(st, `unconditional.rules.${i}.to`, "To", { value: r.to, placeholder: "17:00" })}
</fieldset>`)}
<p class="muted">Save to get another empty rule; a rule left empty is dropped.</p></fieldset></div>
<h3>Exception numbers</h3>
${textArea(st, "exceptionNumbers", "Exception numbers", "One number a line; calls from them are not forwarded")}
${Object.keys(st.errors).filter((k) => k.startsWith("exceptionNumbers.")).map((k) => html`<p class="field-error">Exception number ${Number(k.split(".")[1]) + 1}: ${st.errors[k]}</p>`)}
<h3>Conditional forward</h3>
<p class="muted">Unconditional forwarding overrides conditional forwarding within its period.</p>
${action("notReachable", "When not reachable")}
${action("busy", "When the number is busy")}
${action("noAnswer", "When the number doesn't answer", textField(st, "conditional.noAnswer.ringTimeSeconds", "Extension ring time (seconds)", { type: "number", hint: "5-300" }))}`;
  },
};

/** The communications tab, in the guide's order. */
export const COMMUNICATION_SECTIONS = [numberSection, endpointsSection, voicemailSection, callWaitingSection, monitoringSection] as const;
export const ALL_SECTIONS: readonly Section[] = [profileSection, ...COMMUNICATION_SECTIONS, forwardingSection];
