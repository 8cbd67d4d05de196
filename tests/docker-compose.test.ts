/**
 * Checks the production docker-compose.yml through `docker-compose config`,
 * which validates the file, resolves anchors and interpolates variables: the
 * same work `up` does before it starts anything (no Docker engine is needed).
 * Then checks that it agrees with the code: the variables the app gets are the
 * ones lib/config.ts reads and production requires, the search attributes are
 * the ones workflows/messages.ts defines, the Temporal address, namespace and
 * task queue match, and the Temporal cluster is what the README says it is
 * (server and admin-tools at one version, PostgreSQL persistence and
 * visibility, the shard count, the dynamic config, replicas, health checks).
 *
 * Needs the `docker-compose` command (`bash scripts/ensure-debian-packages.sh docker-compose`).
 * Compose v2 prints JSON itself (`config --format json`); Debian's docker-compose
 * 1.29 only prints YAML, which is read with Python's yaml module: that
 * docker-compose is a Python program that depends on python3-yaml, so the
 * parser is there whenever that version is.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_VARIABLES, loadConfig as loadAppConfig } from '../lib/config';
import { pollsFromThisHost } from '../worker/healthcheck';
import { searchAttributes } from '../workflows/messages';

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const TIMEOUT_MS = 60_000;

type Json = Record<string, unknown>;

interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): RunResult {
  try {
    const stdout = execFileSync(cmd, args, {
      cwd: ROOT,
      env,
      input,
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
    return { status: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number | null; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `${cmd} is not installed (bash scripts/ensure-debian-packages.sh docker-compose installs docker-compose and python3-yaml)`,
        { cause: err },
      );
    }
    return { status: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(e.message) };
  }
}

/** YAML text as JSON, through Python's yaml module (anchors and `<<` merge keys resolved). */
function yaml(text: string): unknown {
  const converted = run('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], process.env, text);
  if (converted.status !== 0) throw new Error(`could not read YAML: ${converted.stderr}`);
  return JSON.parse(converted.stdout) as unknown;
}

/** The file as written, before compose interpolates anything: `${VAR:?…}` and `${VAR:-…}` as they stand. */
const RAW = fs.readFileSync(COMPOSE_FILE, 'utf8');
/** Every variable the file interpolates; none of them may come from the environment the tests run in. */
const INTERPOLATED = [...new Set([...RAW.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]))];

/** The environment compose sees: this process's, minus anything that could satisfy or change what is tested. */
function composeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of INTERPOLATED) if (!(name in extra)) delete env[name];
  delete env.COMPOSE_FILE;
  delete env.COMPOSE_PROFILES;
  return env;
}

/** Production secrets compose must refuse to run without (the `${VAR:?…}` of the file; a test keeps the two equal). */
const REQUIRED_SECRETS = [
  'JWT_SECRET',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'CREDENTIAL_SIGNING_JWK',
  'PUBLIC_BASE_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'SMTP_URL',
  'METRICS_TOKEN',
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'SESSION_SECRET',
  'DATA_ENCRYPTION_KEY',
] as const;
/** The platform's own secrets as production wants them: random (the app refuses any value written in the repository). */
const randomSecret = () => randomBytes(32).toString('base64url');
const SECRETS = {
  JWT_SECRET: randomSecret(),
  JWT_ISSUER: 'https://id.marketplace.example',
  JWT_AUDIENCE: 'credential-marketplace-api',
  // A real key: the configuration imports it at start.
  CREDENTIAL_SIGNING_JWK: JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
  PUBLIC_BASE_URL: 'https://marketplace.example',
  STRIPE_SECRET_KEY: 'sk_live_dummy',
  STRIPE_WEBHOOK_SECRET: 'whsec_dummy',
  SMTP_URL: 'smtp://user:pass@smtp.example:587',
  METRICS_TOKEN: randomSecret(),
  OIDC_ISSUER: 'https://id.marketplace.example',
  OIDC_CLIENT_ID: 'credential-marketplace',
  OIDC_CLIENT_SECRET: 'dummy-oidc-client-secret',
  SESSION_SECRET: randomSecret(),
  // 32 random bytes in base64, as `openssl rand -base64 32` prints them.
  DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  // The Temporal Web UI's (not the app's).
  TEMPORAL_UI_PUBLIC_URL: 'https://temporal.marketplace.example',
  TEMPORAL_UI_OIDC_CLIENT_ID: 'temporal-ui',
  TEMPORAL_UI_OIDC_CLIENT_SECRET: 'dummy-temporal-ui-client-secret',
};
/** What the Temporal Web UI cannot start without: its public https address and its own client at the OpenID provider. */
const UI_REQUIRED = ['TEMPORAL_UI_PUBLIC_URL', 'TEMPORAL_UI_OIDC_CLIENT_ID', 'TEMPORAL_UI_OIDC_CLIENT_SECRET'] as const;
/** Host addresses that only the host itself reaches. */
const LOOPBACK = ['127.0.0.1', '::1', '[::1]'];

/** The app's three services, which run the one image with the one environment. */
const APP_SERVICES = ['api', 'worker', 'migrate'];
/** How the `temporal` CLI (and `--search-attribute Name=Type` of the dev server) spells each SDK search attribute type. */
const CLI_TYPE: Record<string, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};
/**
 * The history shard count: it cannot change once the cluster exists (the server refuses to start on a database
 * created with another count), so a change here must be deliberate; see the comment in docker-compose.yml.
 */
const HISTORY_SHARDS = '512';

let majorVersion = 0;
let emptyEnvFile = '';

function config(extraEnv: Record<string, string>, json: boolean): RunResult {
  // An empty --env-file, so a developer's .env cannot hide a missing variable.
  const args = ['--env-file', emptyEnvFile, '-f', COMPOSE_FILE, 'config'];
  if (json) args.push('--format', 'json');
  return run('docker-compose', args, composeEnv(extraEnv));
}

function loadConfig(): Json {
  const supportsJson = majorVersion >= 2;
  const result = config(SECRETS, supportsJson);
  if (result.status !== 0) {
    throw new Error(`docker-compose config failed (exit ${result.status}): ${result.stderr}`);
  }
  if (supportsJson) return JSON.parse(result.stdout) as Json;
  return yaml(result.stdout) as Json;
}

interface Port {
  /** A port, or a range "3000-3001" from which Docker gives each container a free one. */
  published: string;
  target: number;
  /** The host address it is published on; undefined: every interface. */
  hostIp?: string;
}

/** Short ("[ip:]published:target[/proto]") and long ({published, target, host_ip}) port syntax, as v1 and v2 print them. */
function ports(service: Json): Port[] {
  const list = (service.ports ?? []) as unknown[];
  return list.map((p) => {
    if (typeof p === 'string' || typeof p === 'number') {
      const parts = String(p)
        .replace(/\/\w+$/, '')
        .split(':');
      const hostIp = parts.length > 2 ? parts.slice(0, -2).join(':') : undefined;
      return { published: parts[parts.length - 2], target: Number(parts[parts.length - 1]), ...(hostIp && { hostIp }) };
    }
    const o = p as { published?: string | number; target?: string | number; host_ip?: string };
    return { published: String(o.published), target: Number(o.target), ...(o.host_ip && { hostIp: o.host_ip }) };
  });
}

/** How many host ports a published port or range offers. */
function portCount(published: string): number {
  const [first, last = first] = published.split('-').map(Number);
  return last - first + 1;
}

function dependsOn(service: Json): Record<string, string | undefined> {
  const deps = service.depends_on;
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d: string) => [d, undefined]));
  return Object.fromEntries(
    Object.entries((deps ?? {}) as Record<string, { condition?: string }>).map(([name, d]) => [name, d?.condition]),
  );
}

/** An environment value as the container gets it: a scalar as text, no value as the empty string. */
function envValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function environment(service: Json): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((item: string) => {
        const i = item.indexOf('=');
        return i < 0 ? [item, ''] : [item.slice(0, i), item.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries((env ?? {}) as Record<string, unknown>).map(([k, v]) => [k, envValue(v)]));
}

/** A container path's file on the host, through the service's bind mounts (v1: "source:target[:mode]", v2: objects). */
function hostPath(service: Json, containerPath: string): string | undefined {
  for (const v of (service.volumes ?? []) as unknown[]) {
    let source: string | undefined;
    let target: string | undefined;
    if (typeof v === 'string') [source, target] = v.split(':');
    else ({ source, target } = v as { source?: string; target?: string });
    if (!source || !target || !path.isAbsolute(source)) continue; // a named volume
    if (containerPath === target || containerPath.startsWith(`${target}/`)) return path.join(source, containerPath.slice(target.length));
  }
  return undefined;
}

function healthcheckTest(service: Json): string {
  const test = (service.healthcheck as { test?: string | string[] } | undefined)?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

/** "repository:tag" split at the tag (a registry host's ":port" is not a tag). */
function imageTag(image: string): { repository: string; tag: string | undefined } {
  const i = image.lastIndexOf(':');
  if (i < 0 || image.slice(i).includes('/')) return { repository: image, tag: undefined };
  return { repository: image.slice(0, i), tag: image.slice(i + 1) };
}

describe('docker-compose.yml', () => {
  let services: Record<string, Json>;
  /** The file as written (anchors resolved, nothing interpolated). */
  let raw: { services: Record<string, Json> };

  beforeAll(() => {
    const version = run('docker-compose', ['version', '--short'], process.env);
    if (version.status !== 0) throw new Error(`docker-compose version failed: ${version.stderr}`);
    const match = /(\d+)\.\d+/.exec(version.stdout);
    if (!match) throw new Error(`unrecognised docker-compose version: ${version.stdout}`);
    majorVersion = Number(match[1]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-test-'));
    emptyEnvFile = path.join(dir, 'empty.env');
    fs.writeFileSync(emptyEnvFile, '');

    services = loadConfig().services as Record<string, Json>;
    raw = yaml(RAW) as { services: Record<string, Json> };
  }, TIMEOUT_MS * 2);

  afterAll(() => {
    if (emptyEnvFile) fs.rmSync(path.dirname(emptyEnvFile), { recursive: true, force: true });
  });

  it('defines the services of the stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'migrate', 'postgres', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
    );
  });

  it('starts each service only after what it needs is healthy or has finished', () => {
    const done = 'service_completed_successfully';
    const healthy = 'service_healthy';
    const expected: Record<string, Record<string, string>> = {
      postgres: {},
      'temporal-schema': { postgres: healthy },
      temporal: { 'temporal-schema': done },
      'temporal-setup': { temporal: healthy },
      'temporal-ui': { temporal: healthy },
      migrate: { postgres: healthy },
      api: { migrate: done, 'temporal-setup': done },
      worker: { migrate: done, 'temporal-setup': done },
    };
    expect(Object.fromEntries(Object.keys(expected).map((name) => [name, dependsOn(services[name])]))).toEqual(expected);
    // A service waited on as healthy has a health check; one waited on to finish runs once.
    for (const deps of Object.values(expected)) {
      for (const [name, condition] of Object.entries(deps)) {
        if (condition === healthy)
          expect({ name, healthcheck: healthcheckTest(services[name]) !== '' }).toEqual({ name, healthcheck: true });
        else expect({ name, restart: services[name].restart }).toEqual({ name, restart: 'no' });
      }
    }
  });

  it('publishes the API on 3000 (a port per replica) and the Temporal UI on 8233 of the loopback interface', () => {
    const api = ports(services.api).find((p) => p.target === 3000);
    expect(api?.published.split('-')[0]).toBe('3000');
    expect(portCount(api!.published)).toBeGreaterThanOrEqual(Number((services.api.deploy as { replicas?: number }).replicas));
    expect(ports(services['temporal-ui'])).toContainEqual({ published: '8233', target: 8080, hostIp: '127.0.0.1' });
  });

  it('publishes nothing but the API beyond the host: the Temporal Web UI and the frontend gRPC on loopback only', () => {
    // Whoever reaches the UI's or the frontend's port reads workflow payloads, and may terminate, reset or signal.
    const open = Object.entries(services)
      .filter(([name]) => name !== 'api')
      .flatMap(([name, service]) => ports(service).map((port) => ({ name, ...port })))
      .filter((port) => !LOOPBACK.includes(port.hostIp ?? ''));
    expect(open).toEqual([]);
    expect(ports(services.temporal)).toEqual([{ published: '7233', target: 7233, hostIp: '127.0.0.1' }]);
  });

  it("signs the Temporal Web UI's users in at the console's OpenID provider, read-only, with a Secure CSRF cookie", () => {
    const ui = environment(services['temporal-ui']);
    const app = environment(services.api);
    expect(ui).toMatchObject({
      TEMPORAL_AUTH_ENABLED: 'true',
      TEMPORAL_AUTH_TYPE: 'oidc',
      TEMPORAL_AUTH_PROVIDER_URL: app.OIDC_ISSUER,
      TEMPORAL_AUTH_ISSUER_URL: app.OIDC_ISSUER,
      TEMPORAL_AUTH_CLIENT_ID: SECRETS.TEMPORAL_UI_OIDC_CLIENT_ID,
      TEMPORAL_AUTH_CLIENT_SECRET: SECRETS.TEMPORAL_UI_OIDC_CLIENT_SECRET,
      // Behind the TLS entry point: the provider sends people back to its https address.
      TEMPORAL_AUTH_CALLBACK_URL: `${SECRETS.TEMPORAL_UI_PUBLIC_URL}/auth/sso/callback`,
      // No terminate, reset, signal or batch action from the UI: operators use the `temporal` CLI on the host.
      TEMPORAL_DISABLE_WRITE_ACTIONS: 'true',
    });
    expect(ui.TEMPORAL_AUTH_SCOPES.split(',')).toContain('openid');
    expect(ui.TEMPORAL_CSRF_COOKIE_INSECURE ?? 'false').toBe('false');
    // Its own client, not the console's: the provider grants it to operators only.
    expect(ui.TEMPORAL_AUTH_CLIENT_ID).not.toBe(app.OIDC_CLIENT_ID);
  });

  it.each(UI_REQUIRED)('refuses the configuration when %s (for the Temporal Web UI) is not set', (name) => {
    const { [name]: _left, ...others } = SECRETS;
    const result = config(others, false);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(name);
  });

  it('builds api, worker and migrate from the one app image, each with its own command', () => {
    const commands = APP_SERVICES.map((name) => {
      expect(services[name].build).toBeDefined();
      return (services[name].command as string[]).join(' ');
    });
    expect(commands).toEqual(['node dist/api/server.js', 'node dist/worker/main.js', 'node dist/db/migrate.js']);
    expect(new Set(APP_SERVICES.map((n) => services[n].image)).size).toBe(1);
  });

  it('pins every third-party image to a version', () => {
    const images = Object.entries(services)
      .filter(([, service]) => service.build === undefined)
      .map(([name, service]) => ({ name, ...imageTag(String(service.image)) }));
    expect(images.length).toBeGreaterThanOrEqual(5);
    for (const image of images) expect({ ...image, pinned: /^\d+(\.\d+)*$/.test(image.tag ?? '') }).toEqual({ ...image, pinned: true });
  });

  it('runs the Temporal server and both admin-tools jobs at the same version, without auto-setup', () => {
    const server = imageTag(String(services.temporal.image));
    expect(server.repository).toBe('temporalio/server');
    for (const job of ['temporal-schema', 'temporal-setup']) {
      expect({ job, ...imageTag(String(services[job].image)) }).toEqual({ job, repository: 'temporalio/admin-tools', tag: server.tag });
    }
    expect(RAW).not.toMatch(/image:\s*temporalio\/auto-setup/);
  });

  it('persists Temporal to PostgreSQL with advanced visibility, in the databases the schema job creates', () => {
    const server = environment(services.temporal);
    const schema = environment(services['temporal-schema']);
    const postgres = environment(services.postgres);
    expect(server.DB).toBe('postgres12');
    expect(server.ENABLE_ES ?? 'false').toBe('false');
    expect(services[server.POSTGRES_SEEDS]).toBe(services.postgres);
    expect({ user: server.POSTGRES_USER, password: server.POSTGRES_PWD }).toEqual({
      user: postgres.POSTGRES_USER,
      password: postgres.POSTGRES_PASSWORD,
    });
    expect(schema).toMatchObject({
      SQL_PLUGIN: server.DB,
      SQL_HOST: server.POSTGRES_SEEDS,
      SQL_PORT: server.DB_PORT,
      SQL_USER: server.POSTGRES_USER,
      SQL_PASSWORD: server.POSTGRES_PWD,
      TEMPORAL_DB: server.DBNAME,
      TEMPORAL_VISIBILITY_DB: server.VISIBILITY_DBNAME,
    });
    expect(server.DBNAME).not.toBe(server.VISIBILITY_DBNAME);
    // The job's script brings both databases to the image's schema: persistence and the v12 visibility schema.
    const command = services['temporal-schema'].command as string[];
    const script = hostPath(services['temporal-schema'], command[command.length - 1]);
    expect(script && fs.existsSync(script)).toBeTruthy();
    const text = fs.readFileSync(script!, 'utf8');
    expect(text).toContain('postgresql/v12');
    expect(text).toContain('/temporal/versioned');
    expect(text).toContain('/visibility/versioned');
    expect(text).toContain('$TEMPORAL_VISIBILITY_DB');
  });

  it(`sets numHistoryShards (${HISTORY_SHARDS}, fixed for the life of the cluster)`, () => {
    expect(environment(services.temporal).NUM_HISTORY_SHARDS).toBe(HISTORY_SHARDS);
  });

  it('mounts a dynamic config file that turns eager activity execution on (and Updates and Schedules)', () => {
    const file = hostPath(services.temporal, environment(services.temporal).DYNAMIC_CONFIG_FILE_PATH);
    expect(file && fs.existsSync(file)).toBeTruthy();
    const dynamic = yaml(fs.readFileSync(file!, 'utf8')) as Record<string, { value: unknown; constraints?: Json }[]>;
    /** The value a key has everywhere: one entry without constraints. */
    const global = (key: string) => dynamic[key]?.find((e) => Object.keys(e.constraints ?? {}).length === 0)?.value;
    expect({
      eagerActivities: global('system.enableActivityEagerExecution'),
      updates: global('frontend.enableUpdateWorkflowExecution'),
      schedules: global('frontend.enableSchedules'),
    }).toEqual({ eagerActivities: true, updates: true, schedules: true });
    for (const [key, entries] of Object.entries(dynamic))
      expect({ key, valued: entries.every((e) => 'value' in e) }).toEqual({ key, valued: true });
  });

  it('registers the search attributes the code uses, with their types', () => {
    const registered = environment(services['temporal-setup']).SEARCH_ATTRIBUTES.split(/\s+/).filter(Boolean).sort();
    const used = Object.values(searchAttributes)
      .map((key) => `${key.name}=${CLI_TYPE[key.type]}`)
      .sort();
    expect(registered).toEqual(used);
  });

  it('agrees with the app on the Temporal address, namespace and task queue', () => {
    const app = environment(services.api);
    // The address is the server's service on its gRPC port.
    const [host, port] = app.TEMPORAL_ADDRESS.split(':');
    expect(services[host]).toBe(services.temporal);
    expect(port).toBe('7233');
    expect(ports(services.temporal).map((p) => p.target)).toContain(7233);
    expect(environment(services['temporal-setup']).TEMPORAL_ADDRESS).toBe(app.TEMPORAL_ADDRESS);
    expect(environment(services['temporal-ui']).TEMPORAL_ADDRESS).toBe(app.TEMPORAL_ADDRESS);
    // The namespace the setup job creates is the one the app and the UI use; unset, all are the code's default.
    const defaults = loadAppConfig({ NODE_ENV: 'test' }).temporal;
    expect({
      app: app.TEMPORAL_NAMESPACE,
      setup: environment(services['temporal-setup']).TEMPORAL_NAMESPACE,
      ui: environment(services['temporal-ui']).TEMPORAL_DEFAULT_NAMESPACE,
    }).toEqual({ app: defaults.namespace, setup: defaults.namespace, ui: defaults.namespace });
    expect(app.TEMPORAL_TASK_QUEUE).toBe(defaults.taskQueue);
    for (const name of APP_SERVICES) expect(environment(services[name])).toEqual(app);
  });

  it("sets the namespace's retention to the retention policy's period for workflow histories, and the app's periods to the code's defaults", () => {
    const retentionOf = (service: Json) => environment(service).TEMPORAL_NAMESPACE_RETENTION;
    const app = loadAppConfig(environment(services.api)).retention;
    const defaults = loadAppConfig({ NODE_ENV: 'test' }).retention;
    expect(app).toEqual(defaults);
    expect(retentionOf(services['temporal-setup'])).toBe(defaults.workflowHistories.text);
    // Set by the operator, both follow the one variable.
    const result = config({ ...SECRETS, RETENTION_WORKFLOW_HISTORIES: '90d' }, majorVersion >= 2);
    expect(result.status).toBe(0);
    const set = (majorVersion >= 2 ? JSON.parse(result.stdout) : yaml(result.stdout)) as { services: Record<string, Json> };
    expect(retentionOf(set.services['temporal-setup'])).toBe('90d');
    expect(loadAppConfig(environment(set.services.worker)).retention.workflowHistories).toEqual({ text: '90d', days: 90 });
  });

  it('passes the app only variables lib/config.ts reads', () => {
    const unknown = Object.keys(environment(services.api)).filter((name) => !CONFIG_VARIABLES.includes(name));
    expect(unknown).toEqual([]);
  });

  it('gives api, worker and migrate every setting a production configuration requires', () => {
    for (const name of APP_SERVICES) {
      const config = loadAppConfig(environment(services[name]));
      expect({ service: name, env: config.env, metricsToken: config.metrics.token }).toEqual({
        service: name,
        env: 'production',
        metricsToken: SECRETS.METRICS_TOKEN,
      });
    }
  });

  it('sets each variable production cannot do without, or refuses to start without it', () => {
    const env = environment(services.api);
    const rawEnv = raw.services.api.environment as Record<string, unknown>;
    const needed = Object.keys(env).filter((name) => {
      const { [name]: _left, ...others } = env;
      try {
        loadAppConfig(others);
        return false;
      } catch {
        return true;
      }
    });
    // Either the file demands it from the operator (`${NAME:?…}`), or compose sets a value that cannot come out empty:
    // literal text and `${VAR:-default}` with a default (`:-` also replaces an empty VAR), no bare `${VAR}` or `${VAR-…}`.
    const how = (name: string) => {
      const value = String(rawEnv[name]);
      if (value.startsWith(`\${${name}:?`)) return 'required';
      return /\$\{[A-Z0-9_]+(\}|-|:-\})/.test(value) ? `may be empty: ${value}` : 'set';
    };
    for (const name of needed) expect({ name, how: how(name) }).toEqual({ name, how: expect.stringMatching(/^(set|required)$/) as string });
    // The secrets list below is the file's `${VAR:?…}`.
    const demanded = Object.entries(rawEnv)
      .filter(([name, value]) => String(value).startsWith(`\${${name}:?`))
      .map(([name]) => name);
    expect(demanded.sort()).toEqual([...REQUIRED_SECRETS].sort());
  });

  it('runs two or more api and worker replicas, each with a health check of its own', () => {
    for (const name of ['api', 'worker']) {
      const replicas = (services[name].deploy as { replicas?: number } | undefined)?.replicas ?? services[name].scale;
      expect({ name, replicas: Number(replicas) >= 2 }).toEqual({ name, replicas: true });
      // docker-compose 1.29 refuses to start a service that sets both.
      expect({ name, both: services[name].scale !== undefined && services[name].deploy !== undefined }).toEqual({ name, both: false });
    }
    expect(healthcheckTest(services.api)).toContain('/readyz');
    expect(healthcheckTest(services.worker)).toContain('dist/worker/healthcheck.js');
    expect(fs.existsSync(path.join(ROOT, 'worker', 'healthcheck.ts'))).toBe(true);
  });

  it('checks the health of postgres with pg_isready and of Temporal through its frontend', () => {
    expect(healthcheckTest(services.postgres)).toContain('pg_isready');
    expect(healthcheckTest(services.temporal)).toMatch(/127\.0\.0\.1:72(33|43)/);
  });

  it('runs job scripts that exist and parse', () => {
    for (const name of ['temporal-schema', 'temporal-setup']) {
      const command = services[name].command as string[];
      const script = hostPath(services[name], command[command.length - 1]);
      expect({ name, exists: !!script && fs.existsSync(script) }).toEqual({ name, exists: true });
      const check = run('sh', ['-n', script!], process.env);
      expect({ name, syntax: check.stderr }).toEqual({ name, syntax: '' });
    }
  });

  it('passes JWT_SECRET through to the app containers', () => {
    for (const name of APP_SERVICES) {
      expect(environment(services[name]).JWT_SECRET).toBe(SECRETS.JWT_SECRET);
      expect(environment(services[name]).NODE_ENV).toBe('production');
    }
  });

  it.each(REQUIRED_SECRETS)('refuses the configuration when %s is not set', (secret) => {
    const { [secret]: _left, ...others } = SECRETS;
    const result = config(others, false);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(secret);
  });
});

describe('the worker health check', () => {
  it("is healthy only when a poller's identity names this container's host", () => {
    expect(pollsFromThisHost([{ identity: '7@abc123' }, { identity: null }], 'abc123')).toBe(true);
    expect(pollsFromThisHost([{ identity: '7@abc1234' }, { identity: '8@other' }], 'abc123')).toBe(false);
    expect(pollsFromThisHost([], 'abc123')).toBe(false);
  });
});

describe('the image', () => {
  it('builds and runs on the Node CI tests: the major that scripts/ensure-node.sh pins, one of those in engines', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    const major = /^VERSION=(\d+)\./m.exec(fs.readFileSync(path.join(ROOT, 'scripts/ensure-node.sh'), 'utf8'))?.[1];
    const engines = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(bases).toEqual([`node:${major}-bookworm-slim`, `node:${major}-bookworm-slim`]);
    expect(engines.split('||').map((range) => range.trim())).toContain(`^${major}`);
  });

  it('copies every file the running code reads from the project (not compiled into dist/)', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY --from=build \/app\/(\S+) /gm)].map((m) => m[1]);
    // What the code reads through PROJECT_ROOT at run time: migrations, the widget, the console's templates and styles.
    const read = ['db/migrations', 'capabilities/tutor/widget', 'console/views', 'console/assets', 'package.json', 'node_modules', 'dist'];
    for (const dir of read) expect(copied.some((c) => c === dir || c.startsWith(`${dir} `) || c.split(' ').includes(dir))).toBe(true);
    const sources = execFileSync(
      'git',
      ['grep', '-l', 'PROJECT_ROOT', '--', 'api', 'capabilities', 'core', 'console', 'lib', 'services', 'activities', 'worker'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    // A new module reading a project file at run time must be looked at here (and its folder copied above).
    expect(sources.trim().split('\n').sort()).toEqual(
      ['capabilities/tutor/widget.routes.ts', 'console/render.ts', 'console/routes.ts', 'lib/paths.ts', 'lib/temporal-binaries.ts'].sort(),
    );
  });
});
