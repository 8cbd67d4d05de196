import { Router } from 'express';
import { actorOf, requireRole } from '../../api/auth';
import { createProgram } from './create-program';
import type { ApiDeps } from '../../api/deps';
import { parse } from '../../api/problems';
import { listPartners, listPrograms } from './queries';
import { createProgramBody } from './schemas';

export function catalogRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/api/programs', async (_req, res) => {
    res.json({ programs: await listPrograms(db) });
  });

  router.post('/api/programs', requireRole('admin'), async (req, res) => {
    const program = await createProgram(db, actorOf(req), parse(createProgramBody, req.body, 'body'));
    res.status(201).location(`/api/programs/${program.id}`).json(program);
  });

  router.get('/api/partners', async (_req, res) => {
    res.json({ partners: await listPartners(db) });
  });

  return router;
}
