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
  /**
   * Removes the copy of a sent message this mailer keeps (the development outbox's .eml file), for an erasure; true
   * when there was one. SMTP keeps none: what was handed over is the receiving server's.
   */
  forget?(messageId: string): Promise<boolean>;
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
  const file = (messageId: string) => path.join(outboxDir, `${messageId.replace(/^<|>$/g, '').replace(/[^a-zA-Z0-9.@_-]/g, '_')}.eml`);
  return {
    async send(email) {
      const info = await transport.sendMail({ from, ...email });
      await fs.mkdir(outboxDir, { recursive: true });
      await fs.writeFile(file(email.messageId), info.message as Buffer);
    },
    async forget(messageId) {
      try {
        await fs.unlink(file(messageId));
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    },
  };
}
