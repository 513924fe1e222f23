/**
 * The default star-code table of a tenant, from the operator documentation the product grew from
 * (shared seed "star codes and numbering"). A code that takes a suffix (an extension, a number)
 * is stored as its prefix: directed pickup `*35` is dialled as `*35<ext>`.
 */
export const DEFAULT_FEATURE_CODES = {
  park: "***",
  directed_pickup: "*35",
  pickup_any: "*36",
  pickup_department: "*37",
  forward_activate: "*40",
  forward_busy_set: "*41",
  forward_no_answer_set: "*42",
  pull_call: "*44",
  hot_desk_release: "*46",
  require_pin: "*48",
  require_extension: "*49",
  intercom: "*50",
  park_retrieve: "*55",
  anonymous_once: "*67",
  call_return: "*69",
  forward_on: "*72",
  forward_off: "*73",
  night_mode_on: "*74",
  night_mode_off: "*75",
  night_mode_toggle: "*76",
  reject_anonymous_on: "*77",
  dnd_on: "*78",
  dnd_off: "*79",
  record_on: "*80",
  record_off: "*81",
  record_pause: "*82",
  record_unpause: "*83",
  reject_anonymous_off: "*87",
  agent_available: "*88",
  agent_unavailable: "*89",
  forward_busy_on: "*90",
  forward_busy_off: "*91",
  forward_no_answer_on: "*92",
  forward_no_answer_off: "*93",
  transfer_4digit: "*97",
  transfer_3digit: "*98",
  transfer_self: "*99",
  voicemail_transfer: "7",
  account_code: "99",
  voicemail_login: "9900",
  voicemail: "9901",
  hot_desk_sign_in: "9902",
  hot_desk_deactivate: "9999",
} as const;

export type FeatureName = keyof typeof DEFAULT_FEATURE_CODES;
export type FeatureCodes = Readonly<Record<FeatureName, string>>;

export function isFeatureName(value: string): value is FeatureName {
  return Object.hasOwn(DEFAULT_FEATURE_CODES, value);
}

/**
 * Codes that only work with an extension after them (shared seed "star codes and numbering":
 * `*35<Extension>` answers a ringing call on that extension, `*50<Extension>` is intercom). A
 * feature key of these names its extension, `directed_pickup:105`; alone it would dial a bare code.
 */
export const FEATURES_WITH_EXTENSION: readonly FeatureName[] = ["directed_pickup", "intercom"];

/** A feature key's value: `dnd_on`, or `intercom:105` for a code of FEATURES_WITH_EXTENSION. */
export function parseFeatureValue(value: string | null): { feature: FeatureName; extension: string | null } | null {
  if (value === null) return null;
  const m = /^([a-z_0-9]{1,32})(?::([0-9]{2,15}))?$/.exec(value);
  if (!m || !isFeatureName(m[1]!)) return null;
  const feature = m[1];
  const extension = m[2] ?? null;
  return FEATURES_WITH_EXTENSION.includes(feature) === (extension !== null) ? { feature, extension } : null;
}

/**
 * Default key label of each code, short enough for a line key (the phone shows 8-12 characters);
 * a key's own label wins. The softkey labels below use the same words.
 */
export const FEATURE_LABELS: Readonly<Record<FeatureName, string>> = {
  park: "Park",
  directed_pickup: "Pickup",
  pickup_any: "Pickup Any",
  pickup_department: "Pickup Dept",
  forward_activate: "Fwd Activate",
  forward_busy_set: "Fwd Busy Set",
  forward_no_answer_set: "Fwd NoAns Set",
  pull_call: "Pull Call",
  hot_desk_release: "Hot Desk Out",
  require_pin: "Require PIN",
  require_extension: "Require Ext",
  intercom: "Intercom",
  park_retrieve: "Park Retrieve",
  anonymous_once: "Anonymous",
  call_return: "Call Return",
  forward_on: "Fwd On",
  forward_off: "Fwd Off",
  night_mode_on: "Night On",
  night_mode_off: "Night Off",
  night_mode_toggle: "Night Mode",
  reject_anonymous_on: "Block Anon On",
  dnd_on: "DND On",
  dnd_off: "DND Off",
  record_on: "Record On",
  record_off: "Record Off",
  record_pause: "Record Pause",
  record_unpause: "Record Resume",
  reject_anonymous_off: "Block Anon Off",
  agent_available: "Agent Avail",
  agent_unavailable: "Agent Unavail",
  forward_busy_on: "Fwd Busy On",
  forward_busy_off: "Fwd Busy Off",
  forward_no_answer_on: "Fwd NoAns On",
  forward_no_answer_off: "Fwd NoAns Off",
  transfer_4digit: "Xfer 4-digit",
  transfer_3digit: "Xfer 3-digit",
  transfer_self: "Xfer to Self",
  voicemail_transfer: "Xfer to VM",
  account_code: "Account Code",
  voicemail_login: "VM Login",
  voicemail: "Voicemail",
  hot_desk_sign_in: "Hot Desk In",
  hot_desk_deactivate: "Hot Desk Off",
};

/** Dial strings may hold digits, `*` and `#` only: anything else could not be dialled by a phone. */
export const DIAL_STRING = /^\+?[0-9*#]{1,32}$/;

/** The softkeys every phone with softkeys gets, in this order, each dialling a tenant code. */
export const STANDARD_SOFTKEYS: readonly { feature: FeatureName; label: string }[] = [
  { feature: "dnd_on", label: "DND On" },
  { feature: "dnd_off", label: "DND Off" },
  { feature: "forward_on", label: "Fwd On" },
  { feature: "forward_off", label: "Fwd Off" },
  { feature: "park", label: "Park" },
  { feature: "voicemail", label: "Voicemail" },
];

/** The tenant's rows over the defaults, so a code added by a later release has a value. */
export function featureCodesFrom(rows: readonly { name: string; code: string }[]): FeatureCodes {
  const codes: Record<string, string> = { ...DEFAULT_FEATURE_CODES };
  for (const r of rows) codes[r.name] = r.code;
  return codes as FeatureCodes;
}
