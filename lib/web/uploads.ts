import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { refuse } from '../../core/refusals';

/**
 * Reads a multipart body with at most one file in `field` (kept in memory): the JSON API's uploads and the console's
 * forms alike. 413 past `maxBytes`, 400 for anything else the parser refuses (a truncated body, no boundary, an extra
 * file); the file is returned (undefined when none was sent, or when the body is not multipart), the other fields
 * are in `req.body`.
 */
export async function readMultipart(
  req: Request,
  res: Response,
  maxBytes: number,
  field = 'file',
  /** For forms whose text fields may be large (a CSV pasted): each field's limit and how many there may be. */
  textFields: { fieldSize?: number; fields?: number } = {},
): Promise<Express.Multer.File | undefined> {
  const limits = {
    fileSize: maxBytes,
    files: 1,
    fields: textFields.fields ?? 10,
    ...(textFields.fieldSize && { fieldSize: textFields.fieldSize }),
  };
  const upload = multer({ storage: multer.memoryStorage(), limits }).single(field);
  await new Promise<void>((resolve, reject) =>
    upload(req, res, (err: unknown) => {
      if (!err) return resolve();
      if (err instanceof multer.MulterError && (err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE'))
        return reject(refuse.tooLarge(`the file is larger than ${maxBytes} bytes`));
      reject(refuse.invalid(`the multipart body could not be read: ${(err as Error).message}`));
    }),
  );
  // A form's optional file field left empty comes as a part without a file name, which the parser skips.
  return req.is('multipart/form-data') ? req.file : undefined;
}

const fileRequired = (field: string) =>
  refuse.invalid(`send multipart/form-data with a "${field}" field`, [{ field: `body.${field}`, message: 'required' }]);

/** As `readMultipart`, with the file optional but the body required to be multipart (400 otherwise). */
export async function multipartFile(
  req: Request,
  res: Response,
  field: string,
  maxBytes: number,
): Promise<Express.Multer.File | undefined> {
  const file = await readMultipart(req, res, maxBytes, field);
  if (!req.is('multipart/form-data')) throw fileRequired(field);
  return file;
}

/** The multipart body's one required file, in the field `field`; 400 when the body is not multipart or has none. */
export async function uploadedFile(req: Request, res: Response, maxBytes: number, field = 'file'): Promise<Express.Multer.File> {
  const file = await readMultipart(req, res, maxBytes, field);
  if (!file) throw fileRequired(field);
  return file;
}

/** The middleware of a CSV upload: `text/csv` in UTF-8 (else 415), read whole up to `maxBytes` (else 413). */
export function csvUpload(maxBytes: number): RequestHandler[] {
  const requireCsv = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is('text/csv')) {
      return next(refuse.unsupportedType(`send the file as text/csv, not ${req.get('content-type') ?? 'a body without a Content-Type'}`));
    }
    const charset = /;\s*charset="?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (charset && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) return next(refuse.unsupportedType('the CSV must be UTF-8'));
    next();
  };
  return [requireCsv, express.raw({ type: () => true, limit: maxBytes })];
}
