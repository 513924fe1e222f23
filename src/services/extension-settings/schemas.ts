import { z } from "zod";
import { DIAL_STRING } from "../../domain/feature-codes.ts";
import { CONTROL_CHARACTERS_MESSAGE, EXTENSION_NUMBER, hasControlCharacters } from "../../domain/validation.ts";

/**
 * One zod schema per section of the portal guide (shared seed "extension settings portal guide").
 * PUT bodies replace a whole section; the guide's conditional rules are `superRefine` checks so the
 * message names the field and the condition. Existence checks (devices, numbers) are in the services.
 */

const mandatory = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined || issue.input === null ? "is mandatory" : `must be ${what}`),
});
const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !hasControlCharacters(v), CONTROL_CHARACTERS_MESSAGE);
const dialString = z.string().regex(DIAL_STRING, "must be 1-32 of 0-9, * and # (a leading + is allowed)");
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const email = z.string().max(254).regex(EMAIL, "must be an email address such as ana@example.com");

type Ctx = z.RefinementCtx;
function need(ctx: Ctx, ok: boolean, path: (string | number)[], message: string): void {
  if (!ok) ctx.addIssue({ code: "custom", path, message });
}

export const ROLES = ["user", "operator", "manager", "administrator"] as const;

/** "Edit extension information". */
export const ProfileInput = z
  .strictObject({
    username: z.string(mandatory("text")).regex(/^[A-Za-z0-9._@+-]{1,64}$/, "must be 1-64 of letters, digits and . _ @ + -"),
    fullName: text(128).nullable().default(null),
    authentication: z.enum(["single_step", "two_step"]).default("single_step"),
    /** Email address or phone number for the second step. */
    personalContact: z
      .string()
      .max(254)
      .refine((v) => EMAIL.test(v) || DIAL_STRING.test(v), "must be an email address or a phone number")
      .nullable()
      .default(null),
    loginAllowed: z.boolean().default(true),
    role: z.enum(ROLES, mandatory(`one of ${ROLES.join(", ")}`)),
  })
  .superRefine((p, ctx) =>
    need(ctx, p.authentication !== "two_step" || !!p.personalContact, ["personalContact"], "is mandatory when authentication is two_step"),
  );
export type Profile = z.infer<typeof ProfileInput>;

/** "Configure number settings". */
export const NumberSettingsInput = z.strictObject({
  shortNumber: z.string().regex(EXTENSION_NUMBER, "must be 2-15 digits").nullable().default(null),
  /** One of the extension's phone numbers (checked by the service). */
  presentationNumber: z.string().max(32).nullable().default(null),
  dialPlanProfile: text(64).nullable().default(null),
  country: z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166 two-letter code such as PT").nullable().default(null),
  /** Display the presentation number on outgoing calls, or call anonymously. */
  presentation: z.enum(["number", "anonymous"]).default("number"),
  /** Presence: the extension may be monitored (BLF keys may watch it). */
  presence: z.boolean().default(true),
  recordedCalls: z.boolean().default(false),
});
export type NumberSettings = z.infer<typeof NumberSettingsInput>;

/** "Configure allowed endpoint". */
export const AllowedEndpointsInput = z
  .strictObject({
    softphone: z
      .strictObject({ allowed: z.boolean(), client: z.enum(["basic", "operator_console"]).nullable().default(null) })
      .default({ allowed: false, client: null }),
    mobileApp: z.boolean().default(false),
    thirdPartySoftphone: z
      .strictObject({
        allowed: z.boolean(),
        sipUsername: z.string().regex(/^[A-Za-z0-9._~+-]{1,64}$/, "must be 1-64 of letters, digits and . _ ~ + -").nullable().default(null),
        sipPassword: z.string().min(8, "must be at least 8 characters").max(64).nullable().default(null),
      })
      .default({ allowed: false, sipUsername: null, sipPassword: null }),
    ipPhone: z
      .strictObject({
        allowed: z.boolean(),
        /** MACs of the tenant's devices; null = any device of the tenant. */
        devices: z.array(z.string().max(64)).max(64).nullable().default(null),
      })
      .default({ allowed: true, devices: null }),
  })
  .superRefine((a, ctx) => {
    need(ctx, !a.softphone.allowed || a.softphone.client !== null, ["softphone", "client"], "is mandatory when the softphone is allowed (basic or operator_console)");
    const t = a.thirdPartySoftphone;
    need(ctx, !t.allowed || !!t.sipUsername, ["thirdPartySoftphone", "sipUsername"], "is mandatory when third-party softphones are allowed");
    need(ctx, !t.allowed || !!t.sipPassword, ["thirdPartySoftphone", "sipPassword"], "is mandatory when third-party softphones are allowed");
    need(ctx, a.ipPhone.allowed || !a.ipPhone.devices?.length, ["ipPhone", "devices"], "must be empty when IP phones are not allowed");
  });
export type AllowedEndpointsInput = z.infer<typeof AllowedEndpointsInput>;

/** "Configure voicemail". Announcements are references (names), not audio. */
export const VoicemailInput = z
  .strictObject({
    unansweredCalls: z.enum(["end", "voicemail"]).default("voicemail"),
    pin: z.string().regex(/^[0-9]{4,10}$/, "must be 4-10 digits").nullable().default(null),
    welcomeMessage: text(128).nullable().default(null),
    emailNotification: z.boolean().default(false),
    email: email.nullable().default(null),
  })
  .superRefine((v, ctx) => {
    need(ctx, !v.emailNotification || !!v.email, ["email"], "is mandatory when emailNotification is on");
    const vm = v.unansweredCalls === "voicemail";
    need(ctx, vm || !v.emailNotification, ["emailNotification"], "only applies when unansweredCalls is voicemail");
    need(ctx, vm || v.pin === null, ["pin"], "only applies when unansweredCalls is voicemail");
  });
export type Voicemail = z.infer<typeof VoicemailInput>;

/** "Configure call waiting & holding". */
export const CallWaitingInput = z
  .strictObject({
    queueCalls: z.boolean().default(true),
    maxWaitingCalls: z.number().int().min(1).max(50).nullable().default(null),
    queueWelcomeMessage: text(128).nullable().default(null),
    maxSimultaneousCalls: z.number().int().min(1).max(50).nullable().default(null),
    musicOnHold: text(128).nullable().default(null),
  })
  .superRefine((c, ctx) => {
    need(ctx, !c.queueCalls || c.maxWaitingCalls !== null, ["maxWaitingCalls"], "is mandatory when queueCalls is on");
    need(ctx, !c.queueCalls || c.maxSimultaneousCalls !== null, ["maxSimultaneousCalls"], "is mandatory when queueCalls is on");
    for (const f of ["maxWaitingCalls", "queueWelcomeMessage", "maxSimultaneousCalls", "musicOnHold"] as const) {
      need(ctx, c.queueCalls || c[f] === null, [f], "only applies when queueCalls is on");
    }
  });
export type CallWaiting = z.infer<typeof CallWaitingInput>;

/** "Configure monitoring". */
export const MonitoringInput = z.strictObject({
  monitorOthers: z.boolean().default(false),
  allowMonitoring: z.boolean().default(true),
});
export type Monitoring = z.infer<typeof MonitoringInput>;

export const PhoneNumberInput = z.strictObject({
  number: z.string().regex(/^\+?[0-9]{3,20}$/, "must be 3-20 digits with an optional leading +"),
});

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const Rule = z
  .strictObject({
    days: z.array(z.enum(DAYS)).min(1, "needs at least one day").max(7),
    from: z.string().regex(HHMM, "must be HH:MM (00:00-23:59)"),
    /** Exclusive; 24:00 is the end of the day. */
    to: z.string().regex(/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, "must be HH:MM (00:01-24:00)"),
  })
  .refine((r) => r.from < r.to, { path: ["to"], message: "must be after from (split a range over midnight into two rules)" });
const Conditional = z
  .strictObject({ action: z.enum(["end", "forward"]), destination: dialString.nullable().default(null) })
  .refine((c) => c.action !== "forward" || c.destination !== null, { path: ["destination"], message: "is mandatory when action is forward" });

/** "Edit forwarding settings": unconditional, exception numbers, conditional. */
export const ForwardingInput = z.strictObject({
  unconditional: z
    .strictObject({
      mode: z.enum(["none", "destination", "schedule"]),
      destination: dialString.nullable().default(null),
      rules: z.array(Rule).max(32).default([]),
    })
    .superRefine((u, ctx) => {
      need(ctx, u.mode === "none" || u.destination !== null, ["destination"], `is mandatory when mode is ${u.mode}`);
      need(ctx, u.mode !== "schedule" || u.rules.length > 0, ["rules"], "needs at least one rule when mode is schedule");
      need(ctx, u.mode === "schedule" || u.rules.length === 0, ["rules"], "only applies when mode is schedule");
    })
    .default({ mode: "none", destination: null, rules: [] }),
  exceptionNumbers: z
    .array(dialString)
    .max(1000)
    .refine((a) => new Set(a).size === a.length, "must not list a number twice")
    .default([]),
  conditional: z
    .strictObject({
      notReachable: Conditional.default({ action: "end", destination: null }),
      busy: Conditional.default({ action: "end", destination: null }),
      noAnswer: z
        .strictObject({
          action: z.enum(["end", "forward"]),
          destination: dialString.nullable().default(null),
          ringTimeSeconds: z.number().int().min(5).max(300).nullable().default(null),
        })
        .superRefine((c, ctx) => {
          need(ctx, c.action !== "forward" || c.destination !== null, ["destination"], "is mandatory when action is forward");
          need(ctx, c.action !== "forward" || c.ringTimeSeconds !== null, ["ringTimeSeconds"], "is mandatory when action is forward");
        })
        .default({ action: "end", destination: null, ringTimeSeconds: null }),
    })
    .default({
      notReachable: { action: "end", destination: null },
      busy: { action: "end", destination: null },
      noAnswer: { action: "end", destination: null, ringTimeSeconds: null },
    }),
});
export type Forwarding = z.infer<typeof ForwardingInput>;

export const AvatarInput = z.strictObject({
  contentType: z.enum(["image/png", "image/jpeg", "image/gif", "image/webp"]),
  /** Base64 of the image file. */
  data: z.string().max(400_000, "is larger than 256 KiB").regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64"),
});

export const DuplicateInput = z.strictObject({
  number: z.string().regex(EXTENSION_NUMBER, "must be 2-15 digits"),
  username: z.string().regex(/^[A-Za-z0-9._@+-]{1,64}$/).optional(),
});

export const GroupMembershipInput = z.strictObject({ groups: z.array(z.string().max(64)).max(256) });
