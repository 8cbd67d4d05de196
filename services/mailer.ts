import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

export interface Email {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Deterministic, so a resend after a crash carries the same Message-ID and mail clients show it once. */
  messageId: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface Mailer {
  send(email: Email): Promise<void>;
}

/** SMTP from a URL such as smtp://user:pass@host:587. */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(email) {
      await transport.sendMail({ from, ...email });
    },
  };
}

/** Without SMTP: each message is written as an .eml file to an outbox folder that any mail client opens. */
export function createOutboxMailer(outboxDir: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(email) {
      const info = await transport.sendMail({ from, ...email });
      await fs.mkdir(outboxDir, { recursive: true });
      const name = email.messageId.replace(/^<|>$/g, '').replace(/[^a-zA-Z0-9.@_-]/g, '_');
      await fs.writeFile(path.join(outboxDir, `${name}.eml`), info.message as Buffer);
    },
  };
}
