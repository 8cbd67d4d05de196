/** The LTI tools an admin registers, one per partner: what the launch and the token endpoint check a tool against. */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Db } from '../../../db/pool';
import type { OutboundGuard } from '../../../lib/outbound-guard';
import type { Actor } from '../../../core/actor';
import { audit } from '../../../core/audit';
import { refuse, refuseUrls } from '../../../core/refusals';
import type { ltiToolBody } from './schemas';

export interface ToolRow {
  id: string;
  partner_id: string;
  client_id: string;
  deployment_id: string;
  oidc_login_url: string;
  target_link_uri: string;
  redirect_uris: string[];
  jwks_url: string;
  created_at: Date;
}

const toolView = (t: ToolRow) => ({
  id: t.id,
  partnerId: t.partner_id,
  clientId: t.client_id,
  deploymentId: t.deployment_id,
  oidcLoginUrl: t.oidc_login_url,
  targetLinkUri: t.target_link_uri,
  redirectUris: t.redirect_uris,
  jwksUrl: t.jwks_url,
  createdAt: t.created_at.toISOString(),
});

/**
 * An admin registers a partner's LTI tool: one per partner, client ids unique (409 otherwise). Every URL of the tool
 * must pass the outbound guard (422 naming the field): the platform fetches its JWKS, and sends students to the others.
 */
export async function registerLtiTool(
  { db, outbound }: { db: Db; outbound: OutboundGuard },
  admin: Actor,
  partnerId: string,
  body: z.output<typeof ltiToolBody>,
) {
  const { rowCount } = await db.query('SELECT 1 FROM partners WHERE id = $1', [partnerId]);
  if (!rowCount) throw refuse.notFound(`partner ${partnerId}`);
  await refuseUrls(outbound, {
    'body.jwksUrl': body.jwksUrl,
    'body.oidcLoginUrl': body.oidcLoginUrl,
    'body.targetLinkUri': body.targetLinkUri,
    ...Object.fromEntries((body.redirectUris ?? []).map((u, i) => [`body.redirectUris.${i}`, u])),
  });
  const redirectUris = [...new Set([body.targetLinkUri, ...(body.redirectUris ?? [])])];
  const { rows } = await db.query<ToolRow>(
    `INSERT INTO lti_tools (id, partner_id, client_id, deployment_id, oidc_login_url, target_link_uri, redirect_uris, jwks_url, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING *`,
    [
      randomUUID(),
      partnerId,
      body.clientId,
      body.deploymentId,
      body.oidcLoginUrl,
      body.targetLinkUri,
      redirectUris,
      body.jwksUrl,
      admin.id,
    ],
  );
  if (!rows[0]) throw refuse.conflict(`partner ${partnerId} already has an LTI tool, or client id ${body.clientId} is taken`);
  await audit(db, admin, 'lti.tool.register', { type: 'partner', id: partnerId }, { toolId: rows[0].id, clientId: body.clientId });
  return toolView(rows[0]);
}
