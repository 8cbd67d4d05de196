/**
 * Signed statements (xAPI 1.0.3 Data 2.6): a signature is an attachment with usageType
 * http://adlnet.gov/expapi/attachments/signature whose content is a JWS (RFC 7515, compact serialization) signed
 * with RS256, RS384 or RS512, whose payload is the statement as it was before the signature was added. The LRS
 * refuses a malformed JWS, another algorithm, a payload that is not that statement, and, when the JWS header
 * carries the signer's certificate (`x5c`), a signature that certificate does not verify.
 */
import { compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import { comparable, type JsonObject, statementToKeep } from './statement';
import { SIGNATURE_USAGE_TYPE, xapiStatement } from './schemas';

const ALGORITHMS = ['RS256', 'RS384', 'RS512'];

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The statement without its signature attachments (and without `attachments` when none is left). */
function withoutSignature(statement: JsonObject): JsonObject {
  const { attachments, ...rest } = statement;
  const others = Array.isArray(attachments) ? attachments.filter((a) => !isObject(a) || a.usageType !== SIGNATURE_USAGE_TYPE) : [];
  return others.length ? { ...rest, attachments: others } : rest;
}

/** The sha2 of the statement's signature attachment, if it is signed. */
export function signatureHash(statement: JsonObject): string | undefined {
  const attachments = Array.isArray(statement.attachments) ? statement.attachments : [];
  const signature = attachments.find((a) => isObject(a) && a.usageType === SIGNATURE_USAGE_TYPE);
  return isObject(signature) && typeof signature.sha2 === 'string' ? signature.sha2 : undefined;
}

/** Why the JWS `content` does not sign `statement` (as kept by the LRS), or undefined when it does. */
export async function signatureProblem(statement: JsonObject, content: Buffer): Promise<string | undefined> {
  const jws = content.toString('utf8').trim();
  const segments = jws.split('.');
  if (segments.length !== 3 || segments.some((s) => !/^[A-Za-z0-9_-]*$/.test(s)))
    return 'the signature is not a JWS in compact serialization';
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return 'the signature’s JWS header is not valid';
  }
  if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg))
    return `the signature must use RS256, RS384 or RS512, not ${String(header.alg).slice(0, 20)}`;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(segments[1], 'base64url').toString('utf8'));
  } catch {
    return 'the signature’s payload is not a JSON serialization of the statement';
  }
  const signed = isObject(payload) ? xapiStatement.safeParse(withoutSignature(payload)) : undefined;
  if (!signed?.success) return 'the signature’s payload is not a statement';
  // Both as the LRS keeps them (context activities as arrays…); ids, stored, authority and version are not compared.
  if (comparable(statementToKeep(signed.data, '')) !== comparable(withoutSignature(statement)))
    return 'the signature’s payload is not this statement as it was before the signature was added';
  const certificate = Array.isArray(header.x5c) ? header.x5c[0] : undefined;
  if (typeof certificate === 'string') {
    try {
      const pem = `-----BEGIN CERTIFICATE-----\n${certificate.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
      await compactVerify(jws, await importX509(pem, header.alg));
    } catch {
      return 'the signature does not verify with the certificate in its x5c header';
    }
  }
  return undefined;
}
