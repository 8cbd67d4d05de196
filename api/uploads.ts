import type { Request, Response } from 'express';
import multer from 'multer';
import { problems } from './problems';

/**
 * Reads a multipart body with at most one file in `field` (kept in memory): the JSON API's uploads and the console's
 * forms alike. 413 past `maxBytes`, 400 for anything else the parser refuses; the file is `req.file` (absent when
 * none was sent), the other fields `req.body`.
 */
export async function readMultipart(
  req: Request,
  res: Response,
  maxBytes: number,
  field = 'file',
): Promise<Express.Multer.File | undefined> {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single(field);
  await new Promise<void>((resolve, reject) =>
    upload(req, res, (err: unknown) => {
      if (!err) return resolve();
      if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE')
        return reject(problems.tooLarge(`the file is larger than ${maxBytes} bytes`));
      // Anything else the multipart parser refuses (a truncated body, no boundary, an extra file) is bad input.
      reject(problems.badRequest(`the multipart body could not be read: ${(err as Error).message}`));
    }),
  );
  return req.is('multipart/form-data') ? req.file : undefined;
}

/** The multipart body's one `file`; as `readMultipart`, and 400 for a body that is not multipart or has no file. */
export async function uploadedFile(req: Request, res: Response, maxBytes: number): Promise<Express.Multer.File> {
  const file = await readMultipart(req, res, maxBytes);
  if (!file) {
    throw problems.badRequest('send multipart/form-data with a "file" field', { errors: [{ field: 'body.file', message: 'required' }] });
  }
  return file;
}
