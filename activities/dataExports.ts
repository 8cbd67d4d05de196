/**
 * The data export's activities (workflows/privacy.ts, dataExportWorkflow): build the ZIP into the file store, email the
 * student, remove it when it expires. Each finds its work in the `data_exports` row and leaves it as it found it when
 * it has been done already, so a retry or a replay builds, sends or removes nothing twice.
 *
 * The ZIP (yazl): `data.json` (capabilities/privacy/export-data.ts), a README, and the files its records name: the
 * student's uploaded evidence, each certificate's PDF and its signed Open Badges 3.0 credential (VC-JWT).
 */
import { Buffer } from 'node:buffer';
import { ZipFile } from 'yazl';
import { certificateFacts, findCertificate } from '../capabilities/credentials/queries';
import { EXPORT_KEYS, studentExport } from '../capabilities/privacy/export-data';
import type { Db } from '../db/pool';
import { openBadgeCredential } from '../services/credentials';
import { retentionFromEnv } from '../lib/retention-config';
import type { ActivityDeps } from './deps';
import { DEFAULT_LOCALE, isLocale, translator } from '../lib/i18n';
import { sendOnce } from './notifications';

/** Where a built export is kept in the file store. */
export const dataExportFileKey = (exportId: string) => `exports/${exportId}.zip`;

/** The console page that downloads an export (the email's link; signing in first brings the student back to it). */
export const dataExportPageUrl = (publicBaseUrl: string, exportId: string) => `${publicBaseUrl}/student/my-data/exports/${exportId}`;

const README = `Your data from the credential marketplace
=========================================

data.json holds every record the platform keeps about you, in JSON:
  student        who you are to the platform (your id, name and email as your sign-in gave them)
  enrollments    each enrollment with its program, payment facts, status history and completion evidence
  submissions    the proof of completion you uploaded (the files are in files/submissions/)
  certificates   your certificates (files/certificates/: the PDF and the signed Open Badges 3.0 credential, a VC-JWT)
  payments       payments and refunds of your enrollments
  vouchers       the vouchers funders issued to you
  tutor          your consent to the AI tutor (given, withdrawn) and your conversations with it
  emails         the emails the platform sent you
  disclosures    who else read or received your personal data, when and why

Timestamps are ISO 8601 (UTC offsets included); amounts are in cents of their currency.
`;

/** The ZIP's bytes: each entry as it is given, stored with the export's time. */
function zipOf(entries: { path: string; data: Buffer }[], at: Date): Promise<Buffer> {
  const zip = new ZipFile();
  for (const e of entries) zip.addBuffer(e.data, e.path, { mtime: at });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

interface ExportRow {
  student_id: string;
  status: 'pending' | 'ready' | 'expired';
  expires_at: Date | null;
  file_key: string | null;
}

async function exportRow(db: Db, exportId: string): Promise<ExportRow | undefined> {
  const { rows } = await db.query<ExportRow>('SELECT student_id, status, expires_at, file_key FROM data_exports WHERE id = $1', [exportId]);
  return rows[0];
}

/** The student's entries of the access and disclosure log, newest first, for data.json. */
type DisclosureReader = (db: Db, studentId: string) => Promise<unknown[]>;

export function createDataExportActivities(
  { db, files, mailer, publicBaseUrl, credentials, retention = retentionFromEnv() }: ActivityDeps,
  readDisclosures: DisclosureReader,
) {
  /** The certificate's credential as its student downloads it: signed now with the platform's key. */
  async function signedCredential(certificateId: string): Promise<Buffer | undefined> {
    if (!credentials) return undefined;
    const c = await findCertificate(db, { id: certificateId });
    if (!c) return undefined;
    const signer = await credentials.signer();
    const jwt = await signer.sign(openBadgeCredential(certificateFacts(c), { publicBaseUrl, issuerName: credentials.issuerName }), 'JWT');
    return Buffer.from(jwt);
  }

  return {
    /**
     * Builds the ZIP under the export's key and marks the export ready until 7 days from now. One already built is
     * answered as it is; one whose row is gone (erased meanwhile) is `gone`.
     */
    async buildDataExport({ exportId }: { exportId: string }) {
      const row = await exportRow(db, exportId);
      if (!row) return { status: 'gone' as const };
      if (row.status === 'expired') return { status: 'expired' as const };
      if (row.status === 'ready') return { status: 'ready' as const, expiresAt: row.expires_at!.toISOString() };

      const at = new Date();
      const exported = await studentExport(db, row.student_id, publicBaseUrl, await readDisclosures(db, row.student_id));
      const entries: { path: string; data: Buffer }[] = [
        { path: 'README.txt', data: Buffer.from(README) },
        {
          path: 'data.json',
          data: Buffer.from(
            JSON.stringify({ exportedAt: at.toISOString(), ...Object.fromEntries(EXPORT_KEYS.map((k) => [k, exported.data[k]])) }, null, 2),
          ),
        },
      ];
      for (const f of exported.files) {
        const data = await files.get(f.fileKey);
        // A file already removed (a certificate PDF of an earlier erasure) leaves its record without the file.
        if (data) entries.push({ path: f.path, data });
      }
      for (const c of exported.credentials) {
        const data = await signedCredential(c.certificateId);
        if (data) entries.push({ path: c.path, data });
      }
      const zip = await zipOf(entries, at);
      const fileKey = dataExportFileKey(exportId);
      await files.put(fileKey, zip);
      const { rows } = await db.query<{ expires_at: Date }>(
        `UPDATE data_exports SET status = 'ready', file_key = $2, size_bytes = $3, ready_at = now(),
                expires_at = now() + $4::interval
          WHERE id = $1 AND status = 'pending' RETURNING expires_at`,
        // How long it can be downloaded: RETENTION_EXPORTS (7 days, as api.md says, unless configured otherwise).
        [exportId, fileKey, zip.length, retention.periods.exports.interval],
      );
      if (rows[0]) return { status: 'ready' as const, expiresAt: rows[0].expires_at.toISOString() };
      // Not pending any more: built by an earlier try (its answer stands), or erased meanwhile (this ZIP must go).
      const now = await exportRow(db, exportId);
      if (now?.status === 'ready' && now.expires_at) return { status: 'ready' as const, expiresAt: now.expires_at.toISOString() };
      await files.delete(fileKey);
      return { status: 'gone' as const };
    },

    /** "Your data is ready": once per export, with the link to download it (the student signs in for it). */
    async sendDataExportReadyEmail({ exportId }: { exportId: string }) {
      const { rows } = await db.query<{
        email: string | null;
        name: string | null;
        locale: string | null;
        expires_at: Date | null;
        status: string;
      }>(
        `SELECT s.email, s.name, s.locale, x.expires_at, x.status FROM data_exports x LEFT JOIN students s ON s.id = x.student_id WHERE x.id = $1`,
        [exportId],
      );
      const r = rows[0];
      if (!r || r.status !== 'ready' || !r.expires_at) return 'not_ready' as const;
      if (!r.email) return 'no_address' as const;
      const until = r.expires_at.toISOString().slice(0, 16).replace('T', ' ');
      // In the language kept for the student (their pages'), English when none.
      const { t } = translator(isLocale(r.locale) ? r.locale : DEFAULT_LOCALE);
      return sendOnce(
        db,
        mailer,
        { dedupeKey: `data-export-ready:${exportId}`, kind: 'data_export_ready', enrollmentId: null },
        {
          to: r.email,
          subject: t('email.export.subject'),
          text: [
            r.name ? t('email.hello', { name: r.name }) : t('email.helloThere'),
            '',
            t('email.export.ready'),
            t('email.export.what'),
            '',
            t('email.export.download', { until, url: dataExportPageUrl(publicBaseUrl, exportId) }),
            t('email.export.alone'),
          ].join('\n'),
        },
      );
    },

    /** Removes the ZIP and marks the export expired (its link answers so from then on). */
    async expireDataExport({ exportId }: { exportId: string }) {
      const row = await exportRow(db, exportId);
      if (!row) return { removed: false };
      await files.delete(dataExportFileKey(exportId));
      await db.query(
        `UPDATE data_exports SET status = 'expired', expired_at = COALESCE(expired_at, now()), file_key = NULL WHERE id = $1`,
        [exportId],
      );
      return { removed: row.file_key !== null };
    },
  };
}
