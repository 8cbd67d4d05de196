/** The kinds of credential a program leads to (programs.credential_type): PIRL 1800 and Open Badges map each. */
export const CREDENTIAL_TYPES = ['occupational_certification', 'occupational_certificate', 'occupational_licensure', 'other'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];
