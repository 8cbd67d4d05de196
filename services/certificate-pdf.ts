import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { DEFAULT_LOCALE, type Locale, translator } from '../lib/i18n';
import { CREDENTIAL_TYPES, type CredentialType } from '../lib/program-rules';

export interface CertificateContent {
  studentName: string;
  programTitle: string;
  partnerName: string;
  credentialType: string;
  completedAt: Date;
  issuedAt: Date;
  verificationCode: string;
  verifyUrl: string;
  /** The partner's own certificate, when the program holder gave its link. */
  partnerCertificateUrl?: string | null;
  /** The language the student reads (the catalog's `certificate.*`); English when absent. */
  locale?: Locale;
}

/** A day in words in the certificate's language (`December 8, 2026`, `8 de diciembre de 2026`), in UTC. */
const formatDate = (d: Date, locale: Locale) =>
  new Intl.DateTimeFormat(locale === 'en' ? 'en-US' : locale, { dateStyle: 'long', timeZone: 'UTC' }).format(d);

const QR_SIZE = 96;
/** White modules around the symbol, inside the QR_SIZE box. */
const QR_QUIET_ZONE = 1;

/**
 * The QR code of `text` as vector paths in the `size`-pt square at (x, y): a white square (so it scans on any page
 * colour), then each horizontal run of dark modules as one rectangle, all filled as one path. The rectangles are in
 * module units (scaled by the transform) so their coordinates are small integers: a compact content stream, and no
 * raster image to encode and then decode again.
 */
function drawQrCode(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const unit = size / (n + 2 * QR_QUIET_ZONE);
  doc.rect(x, y, size, size).fill('#ffffff');
  doc
    .save()
    .translate(x + QR_QUIET_ZONE * unit, y + QR_QUIET_ZONE * unit)
    .scale(unit);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (!modules.data[row * n + col]) continue;
      const start = col;
      while (col + 1 < n && modules.data[row * n + col + 1]) col++;
      doc.rect(start, row, col + 1 - start, 1);
    }
  }
  doc.fill('#000000').restore();
}

/**
 * A one-page landscape certificate with a QR code to its public verification page. Fixed metadata dates (and a
 * deterministic QR code) keep the same content rendering to the same bytes.
 */
export async function renderCertificatePdf(c: CertificateContent): Promise<Buffer> {
  const locale = c.locale ?? DEFAULT_LOCALE;
  const { t } = translator(locale);
  const credential = (CREDENTIAL_TYPES as readonly string[]).includes(c.credentialType)
    ? t(`credential.${c.credentialType as CredentialType}`)
    : c.credentialType;
  const doc = new PDFDocument({
    lang: locale,
    size: 'LETTER',
    layout: 'landscape',
    margin: 54,
    info: {
      Title: t('public.verify.title', { code: c.verificationCode }),
      Author: 'Credential Marketplace',
      CreationDate: c.issuedAt,
      ModDate: c.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 108;
  doc
    .lineWidth(3)
    .rect(30, 30, doc.page.width - 60, doc.page.height - 60)
    .stroke('#1f3a5f');
  doc.moveDown(1).font('Helvetica-Bold').fontSize(30).fillColor('#1f3a5f').text(t('certificate.title'), { align: 'center', width });
  doc.moveDown(0.8).font('Helvetica').fontSize(14).fillColor('#333333').text(t('certificate.certifies'), { align: 'center', width });
  doc.moveDown(0.4).font('Helvetica-Bold').fontSize(26).fillColor('#000000').text(c.studentName, { align: 'center', width });
  doc.moveDown(0.4).font('Helvetica').fontSize(14).fillColor('#333333').text(t('certificate.hasCompleted'), { align: 'center', width });
  doc.moveDown(0.4).font('Helvetica-Bold').fontSize(20).fillColor('#000000').text(c.programTitle, { align: 'center', width });
  doc
    .moveDown(0.4)
    .font('Helvetica')
    .fontSize(13)
    .fillColor('#333333')
    .text(t('certificate.offeredWith', { partner: c.partnerName }), { align: 'center', width })
    .text(t('certificate.credential', { type: credential }), { align: 'center', width })
    .text(t('certificate.completedOn', { date: formatDate(c.completedAt, locale) }), { align: 'center', width });

  // The verification block sits at the bottom, left of the QR code and level with it, so the two never overlap.
  const textWidth = width - QR_SIZE - 24;
  const qrX = doc.page.width - 54 - QR_SIZE;
  const qrY = doc.page.height - 54 - QR_SIZE - 20;
  doc
    .fontSize(11)
    .fillColor('#555555')
    .text(t('certificate.code', { code: c.verificationCode }), 54, Math.max(doc.y + 18, qrY + 8), { width: textWidth })
    .text(t('certificate.verifyAt', { url: c.verifyUrl }), { width: textWidth, link: c.verifyUrl })
    .text(t('certificate.issued', { date: formatDate(c.issuedAt, locale) }), { width: textWidth });
  if (c.partnerCertificateUrl) {
    doc.fontSize(10).text(t('certificate.partnerCertificate', { partner: c.partnerName, url: c.partnerCertificateUrl }), {
      width: textWidth,
      link: c.partnerCertificateUrl,
    });
  }
  drawQrCode(doc, c.verifyUrl, qrX, qrY, QR_SIZE);
  doc.link(qrX, qrY, QR_SIZE, QR_SIZE, c.verifyUrl);
  doc
    .fontSize(7)
    .fillColor('#555555')
    .text(t('certificate.scan'), qrX, qrY + QR_SIZE + 2, { width: QR_SIZE, align: 'center', lineBreak: false });
  doc.end();
  return done;
}
