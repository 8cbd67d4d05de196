/** Where a certificate is found: the public verification page, the PDF download and the revocation status list. */
export const verificationUrl = (publicBaseUrl: string, verificationCode: string) => `${publicBaseUrl}/verify/${verificationCode}`;
export const certificatePdfUrl = (publicBaseUrl: string, certificateId: string) => `${publicBaseUrl}/api/certificates/${certificateId}.pdf`;
export const statusListUrl = (publicBaseUrl: string, listId: number) => `${publicBaseUrl}/credentials/status/${listId}`;
/** The PDF's file name, in a download and an email attachment alike. */
export const certificatePdfFilename = (verificationCode: string) => `certificate-${verificationCode}.pdf`;
