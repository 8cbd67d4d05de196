import type { CoreDeps } from '../core/deps';
import type { Authenticator } from './auth';

/** The JSON API's dependencies: the core's, and how it authenticates callers and checks Temporal for /readyz. */
export interface ApiDeps extends CoreDeps {
  authenticate: Authenticator;
  /** Resolves when the Temporal service answers; for /readyz. */
  temporalHealth: () => Promise<unknown>;
}
