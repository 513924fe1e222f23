import nodemailer from "nodemailer";
import type { Config } from "../config.ts";

/** Sends the portal's emails (sign-in codes, reset and welcome links) through the configured SMTP relay. */
export interface Mailer {
  /** False when no `smtpHost` is configured: pages then say that email cannot be sent. */
  readonly configured: boolean;
  send(to: string, subject: string, text: string): Promise<void>;
}

export function createMailer(config: Pick<Config, "smtpHost" | "smtpPort" | "smtpSecure" | "smtpUser" | "smtpPassword" | "smtpFrom">): Mailer {
  if (!config.smtpHost) {
    return {
      configured: false,
      send: async () => {
        throw new Error("no SMTP relay is configured (set smtpHost, PHONEHOME_SMTP_HOST)");
      },
    };
  }
  const transport = nodemailer.createTransport({
    host: config.smtpHost,
    port: config.smtpPort,
    secure: config.smtpSecure,
    ...(config.smtpUser ? { auth: { user: config.smtpUser, pass: config.smtpPassword ?? "" } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    configured: true,
    async send(to, subject, text) {
      await transport.sendMail({ from: config.smtpFrom, to, subject, text });
    },
  };
}
