import PDFDocument from 'pdfkit';

export interface CertificateContent {
  studentName: string;
  programTitle: string;
  partnerName: string;
  credentialType: string;
  completedAt: Date;
  issuedAt: Date;
  verificationCode: string;
  verifyUrl: string;
}

const CREDENTIAL_LABELS: Record<string, string> = {
  occupational_certification: 'Occupational certification',
  occupational_certificate: 'Occupational certificate',
  occupational_licensure: 'Occupational licensure',
  other: 'Certificate of completion',
};

const formatDate = (d: Date) => d.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

/** A one-page landscape certificate. Fixed metadata dates keep the same content rendering to the same bytes. */
export function renderCertificatePdf(c: CertificateContent): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'LETTER',
    layout: 'landscape',
    margin: 54,
    info: { Title: `Certificate ${c.verificationCode}`, Author: 'Credential Marketplace', CreationDate: c.issuedAt, ModDate: c.issuedAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 108;
  doc.lineWidth(3).rect(30, 30, doc.page.width - 60, doc.page.height - 60).stroke('#1f3a5f');
  doc.moveDown(1.5).font('Helvetica-Bold').fontSize(30).fillColor('#1f3a5f').text('Certificate of Completion', { align: 'center', width });
  doc.moveDown(1).font('Helvetica').fontSize(14).fillColor('#333333').text('This certifies that', { align: 'center', width });
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(26).fillColor('#000000').text(c.studentName, { align: 'center', width });
  doc.moveDown(0.5).font('Helvetica').fontSize(14).fillColor('#333333').text('has completed', { align: 'center', width });
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(20).fillColor('#000000').text(c.programTitle, { align: 'center', width });
  doc.moveDown(0.5).font('Helvetica').fontSize(13).fillColor('#333333')
    .text(`offered with ${c.partnerName}`, { align: 'center', width })
    .text(`Credential: ${CREDENTIAL_LABELS[c.credentialType] ?? c.credentialType}`, { align: 'center', width })
    .text(`Completed on ${formatDate(c.completedAt)}`, { align: 'center', width });
  doc.moveDown(2).fontSize(11).fillColor('#555555')
    .text(`Verification code: ${c.verificationCode}`, { align: 'center', width })
    .text(`Verify at ${c.verifyUrl}`, { align: 'center', width, link: c.verifyUrl })
    .text(`Issued ${formatDate(c.issuedAt)}`, { align: 'center', width });
  doc.end();
  return done;
}
