import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { auditChangeIn } from "../../services/actor.ts";
import type { Subject } from "../accounts.ts";
import { html, type Html } from "../html.ts";
import { createLink } from "../sessions.ts";
import type { PortalOptions } from "../settings.ts";

/**
 * Reset and welcome links (one-time, expiring) for any portal account: emailed to the account's
 * address when SMTP is configured, otherwise shown to the admin to pass on, with the reason. Audited
 * as `portal.reset_sent` / `portal.welcome_sent` on `target`.
 */
export async function sendAccountLink(
  deps: ProvisionDeps,
  options: PortalOptions,
  subject: Subject,
  purpose: "reset" | "welcome",
  audit: { target: string; tenantId?: number; extension?: string },
): Promise<{ done: string; extra?: undefined } | { done?: undefined; extra: Html }> {
  const t = await createLink(deps, purpose, subject, options.settings);
  const url = `${options.settings.portalUrl}reset/${t}`;
  const subjectLine = purpose === "welcome" ? "Welcome to phonehome: choose your password" : "Choose a new phonehome password";
  const text = `${purpose === "welcome" ? `Your portal account is ${subject.username}.` : `A new password was requested for ${subject.username}.`}\n\nOpen this link to choose your password:\n\n${url}\n\nIt is valid for ${options.settings.linkHours} hours and works once.`;
  let sendError: string | null = null;
  if (subject.email && options.mailer.configured) {
    try {
      await options.mailer.send(subject.email, subjectLine, text);
    } catch (err) {
      deps.logger.error({ err }, "sending a portal link failed");
      sendError = "the mail server refused it or did not answer";
    }
  }
  const emailed = subject.email !== null && options.mailer.configured && !sendError;
  // One insert: read committed.
  await deps.data.write(
    (q) => auditChangeIn(q, deps, { action: purpose === "welcome" ? "portal.welcome_sent" : "portal.reset_sent", ...audit, detail: emailed ? "emailed" : "link shown to the admin" }),
    { isolation: "read committed" },
  );
  if (emailed) return { done: `${purpose === "welcome" ? "Welcome email" : "Reset link"} sent to ${subject.email}.` };
  const phone = subject.kind === "extension" ? subject.phone : null;
  const why = sendError ?? (phone ? "the personal contact is a phone number (an SMS gateway would be needed)" : !subject.email ? (subject.kind === "extension" ? "the profile has no email address as personal contact" : "the account has no email address") : "no SMTP relay is configured");
  return {
    extra: html`<div class="notice" role="status"><p>The link could not be emailed: ${why}. Pass this one-time link to ${subject.username} yourself (valid ${options.settings.linkHours} hours, works once):</p><p><code>${url}</code></p></div>`,
  };
}
