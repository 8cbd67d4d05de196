import type { Config } from './config';
import { createOutboxMailer, createSmtpMailer, type Mailer } from '../services/mailer';
import {
  createSimulatedPaymentProvider,
  createStripeClient,
  createStripePaymentProvider,
  type PaymentProvider,
} from '../services/payment-provider';

/** Stripe when a key is configured, else the clearly labelled simulated checkout. */
export function createPaymentProvider(config: Config): PaymentProvider {
  const { secretKey, apiBase } = config.stripe;
  return secretKey
    ? createStripePaymentProvider(createStripeClient({ secretKey, apiBase, maxAnswerBytes: config.responseMaxBytes.stripe }))
    : createSimulatedPaymentProvider(config.publicBaseUrl);
}

/** SMTP when `SMTP_URL` is set, else .eml files in the outbox folder. */
export function createMailer(config: Config): Mailer {
  return config.mail.smtpUrl
    ? createSmtpMailer(config.mail.smtpUrl, config.mail.from)
    : createOutboxMailer(config.mail.outboxDir, config.mail.from);
}
