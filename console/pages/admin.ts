import { Router } from 'express';
import type { ApiDeps } from '../../api/deps';
import { signedIn } from '../access';
import type { Render } from '../render';

export function adminPages(_deps: ApiDeps, render: Render): Router {
  const router = Router();
  router.use(signedIn('admin'));
  router.get('/{*rest}', (req, res) => render(req, res, 'placeholder', { title: 'admin' }));
  return router;
}
