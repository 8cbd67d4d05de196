import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/messages';

export interface DevServerOptions {
  dbFilename: string;
  port: number;
  /** Undefined: no Web UI. */
  uiPort?: number;
  /** The HTTP API and metrics ports; unset, the server picks free ones (which a caller's own free port could be). */
  httpPort?: number;
  metricsPort?: number;
  namespace: string;
}

/** Arguments of `temporal server start-dev`: SQLite in WAL mode, the custom search attributes, quiet logs, no outside calls. */
export function devServerArgs(o: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--db-filename',
    o.dbFilename,
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
    '--ip',
    '127.0.0.1',
    '--port',
    String(o.port),
    ...(o.uiPort ? ['--ui-port', String(o.uiPort), '--ui-disable-news-fetch'] : ['--headless']),
    ...(o.httpPort ? ['--http-port', String(o.httpPort)] : []),
    ...(o.metricsPort ? ['--metrics-port', String(o.metricsPort)] : []),
    '--namespace',
    o.namespace,
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTE_NAMES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
  ];
}
