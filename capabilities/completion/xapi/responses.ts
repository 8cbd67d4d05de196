import { z } from 'zod';
import { instant, named, uuid } from '../../../core/schemas';

export const xapiStatementIdsResponse = named('XapiStatementIds', z.array(uuid), 'The stored statements’ ids, in the order sent');

// xAPI 1.0.3: statements as the LRS answers them (the statement as sent, plus what the LRS sets), and the other resources.

const xapiObject = z.looseObject({});
export const xapiStoredStatementResponse = named(
  'XapiStatement',
  z.looseObject({
    id: z.string(),
    actor: xapiObject,
    verb: z.looseObject({ id: z.string() }),
    object: xapiObject,
    timestamp: z.string(),
    stored: instant,
    authority: xapiObject,
    version: z.string(),
  }),
  'A stored statement, with the properties the LRS sets (stored, authority, version); its own properties as sent',
);
export const xapiStatementResultResponse = named(
  'XapiStatementResult',
  z.object({
    statements: z.array(xapiStoredStatementResponse),
    more: z.string().describe('The relative URL of the next page; empty when none'),
  }),
);
export const xapiStatementsAnswerResponse = named(
  'XapiStatementsAnswer',
  z.union([xapiStatementIdsResponse, xapiStoredStatementResponse, xapiStatementResultResponse]),
  'The stored ids (POST); with the alternate request syntax `?method=GET`, a statement or a StatementResult',
);
export const xapiAboutResponse = named('XapiAbout', z.looseObject({ version: z.array(z.string()) }));
export const xapiActivityResponse = named(
  'XapiActivity',
  z.object({ objectType: z.literal('Activity'), id: z.string(), definition: z.looseObject({}).optional() }),
);
export const xapiPersonResponse = named(
  'XapiPerson',
  z.object({
    objectType: z.literal('Person'),
    name: z.array(z.string()).optional(),
    mbox: z.array(z.string()).optional(),
    mbox_sha1sum: z.array(z.string()).optional(),
    openid: z.array(z.string()).optional(),
    account: z.array(z.object({ homePage: z.string(), name: z.string() })).optional(),
  }),
);
