/** Where a certificate is found: the public verification page, the PDF download, the revocation lists and the key. */
export const verificationUrl = (publicBaseUrl: string, verificationCode: string) => `${publicBaseUrl}/verify/${verificationCode}`;
export const certificatePdfUrl = (publicBaseUrl: string, certificateId: string) => `${publicBaseUrl}/api/certificates/${certificateId}.pdf`;
export const statusListUrl = (publicBaseUrl: string, listId: number) => `${publicBaseUrl}/credentials/status/${listId}`;
/** The 1EdTech Revocation List of the certificates in status list `listId` (the same partition as the bitstring). */
export const revocationListUrl = (publicBaseUrl: string, listId: number) => `${publicBaseUrl}/credentials/revocations/${listId}`;
/** The credential signing key's `kid`: a URL that serves its public JWK. */
export const signingKeyUrl = (publicBaseUrl: string, thumbprint: string) => `${publicBaseUrl}/credentials/keys/${thumbprint}`;
/** The PDF's file name, in a download and an email attachment alike. */
export const certificatePdfFilename = (verificationCode: string) => `certificate-${verificationCode}.pdf`;
