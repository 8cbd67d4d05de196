import type { Request, Response } from 'express';
import multer from 'multer';
import { problems } from './problems';

/**
 * Reads a multipart/form-data body (its text fields into `req.body`) with at most one file, in the field `field`:
 * that file, or undefined when the form sent none. 413 past `maxBytes`; 400 for anything else the parser refuses
 * (a truncated body, no boundary, an extra file) or a body that is not multipart.
 */
export async function multipartFile(
  req: Request,
  res: Response,
  field: string,
  maxBytes: number,
): Promise<Express.Multer.File | undefined> {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single(field);
  await new Promise<void>((resolve, reject) =>
    upload(req, res, (err: unknown) => {
      if (!err) return resolve();
      if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE')
        return reject(problems.tooLarge(`the file is larger than ${maxBytes} bytes`));
      reject(problems.badRequest(`the multipart body could not be read: ${(err as Error).message}`));
    }),
  );
  if (!req.is('multipart/form-data')) {
    throw problems.badRequest(`send multipart/form-data with a "${field}" field`, {
      errors: [{ field: `body.${field}`, message: 'required' }],
    });
  }
  // A form's optional file field left empty comes as a part without a file name, which the parser skips.
  return req.file;
}

/** The multipart body's one required file, in the field `field`; 400 when it is missing (see multipartFile). */
export async function uploadedFile(req: Request, res: Response, maxBytes: number, field = 'file'): Promise<Express.Multer.File> {
  const file = await multipartFile(req, res, field, maxBytes);
  if (!file) {
    throw problems.badRequest(`send multipart/form-data with a "${field}" field`, {
      errors: [{ field: `body.${field}`, message: 'required' }],
    });
  }
  return file;
}
