import { z } from 'zod';
import type { Db } from '../../db/pool';
import { verificationUrl } from '../../lib/certificate-links';
import { iso } from '../../lib/dates';
import type { Actor } from '../../core/actor';
import { audit } from '../../core/audit';
import { refuse } from '../../core/refusals';

/**
 * The student's choice, per certificate, of the name its public verification page shows: `full` (the default, as
 * employers expect) or `initials`.
 */
export const PUBLIC_NAME_CHOICES = ['full', 'initials'] as const;
export type PublicName = (typeof PUBLIC_NAME_CHOICES)[number];
export const publicNameChoice = z.enum(PUBLIC_NAME_CHOICES, { error: 'must be "full" or "initials"' });

/** Shown for a certificate whose enrollment holds no name (and by the verification page whatever the choice). */
export const NAMELESS_HOLDER = 'Student';

/**
 * A name's initials: the first letter of each word (words are separated by spaces or hyphens), upper-cased and
 * followed by a full stop, joined by spaces: "Jane Doe" → "J. D.", "Mary-Jane van Dyke" → "M. J. V. D.", "Cher" →
 * "C.". A word without a letter (a stray "-" or "(2)") gives nothing, so only letters of the name are ever shown.
 */
export function initialsOf(name: string): string {
  return name
    .normalize('NFC')
    .split(/[\s\p{Pd}]+/u)
    .map((word) => /\p{L}/u.exec(word)?.[0])
    .filter((letter): letter is string => letter !== undefined)
    .map((letter) => `${letter.toLocaleUpperCase('en-US')}.`)
    .join(' ');
}

/** The holder as a public page names them under the student's choice. */
export function publicHolderName(name: string | null, show: PublicName): string {
  const full = name?.trim();
  if (!full) return NAMELESS_HOLDER;
  return show === 'initials' ? initialsOf(full) || NAMELESS_HOLDER : full;
}

/** The choice as the student sees it: what the page shows now, and what each option would show. */
export interface PublicNameSetting {
  certificateId: string;
  show: PublicName;
  /** What the verification page shows now. */
  holder: string;
  /** What each choice shows. */
  options: Record<PublicName, string>;
  /** When the student last chose; null while the default stands. */
  setAt: string | null;
  verifyUrl: string;
}

/** A certificate's public-name choice and the name it applies to. */
interface PublicNameRow {
  id: string;
  verification_code: string;
  public_name: PublicName;
  public_name_set_at: Date | null;
  student_id: string;
  student_name: string | null;
}

const SELECT_CHOICE = `SELECT c.id, c.verification_code, c.public_name, c.public_name_set_at, e.student_id, e.student_name
                         FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id WHERE c.id = $1`;

/** The certificate, once `student` is shown to be its own student: anyone else's is as unknown as a missing one. */
async function ownCertificate(db: Db, student: Actor, certificateId: string): Promise<PublicNameRow> {
  if (student.role !== 'student') throw refuse.forbidden('only the certificate’s student chooses the name its verification page shows');
  const { rows } = await db.query<PublicNameRow>(SELECT_CHOICE, [certificateId]);
  const row = rows[0];
  if (!row || row.student_id !== student.id) throw refuse.notFound(`certificate ${certificateId}`);
  return row;
}

const settingOf = (row: PublicNameRow, publicBaseUrl: string): PublicNameSetting => ({
  certificateId: row.id,
  show: row.public_name,
  holder: publicHolderName(row.student_name, row.public_name),
  options: { full: publicHolderName(row.student_name, 'full'), initials: publicHolderName(row.student_name, 'initials') },
  setAt: iso(row.public_name_set_at),
  verifyUrl: verificationUrl(publicBaseUrl, row.verification_code),
});

/** The student's choice for one of their certificates. */
export async function publicNameSetting(db: Db, student: Actor, certificateId: string, publicBaseUrl: string): Promise<PublicNameSetting> {
  return settingOf(await ownCertificate(db, student, certificateId), publicBaseUrl);
}

/** Records the student's choice (audited, without the name); the verification page follows it from the next request. */
export async function setPublicName(
  db: Db,
  student: Actor,
  certificateId: string,
  show: PublicName,
  publicBaseUrl: string,
): Promise<PublicNameSetting> {
  await ownCertificate(db, student, certificateId);
  await db.query('UPDATE certificates SET public_name = $2, public_name_set_at = now() WHERE id = $1', [certificateId, show]);
  await audit(db, student, 'certificate.public_name', { type: 'certificate', id: certificateId }, { show });
  const { rows } = await db.query<PublicNameRow>(SELECT_CHOICE, [certificateId]);
  return settingOf(rows[0], publicBaseUrl);
}
