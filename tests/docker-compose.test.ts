/**
 * Checks the production docker-compose.yml through `docker-compose config`,
 * which validates the file, resolves anchors and interpolates variables: the
 * same work `up` does before it starts anything (no Docker engine is needed).
 *
 * Needs the `docker-compose` command (`bash scripts/ensure-debian-packages.sh docker-compose`).
 * Compose v2 prints JSON itself (`config --format json`); Debian's docker-compose
 * 1.29 only prints YAML, which is read with Python's yaml module: that
 * docker-compose is a Python program that depends on python3-yaml, so the
 * parser is there whenever that version is.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig as loadAppConfig } from '../lib/config';

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

/** The environment compose sees: this process's, minus anything that could satisfy or change what is tested. */
function composeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const secret of REQUIRED_SECRETS) if (!(secret in extra)) delete env[secret];
  delete env.COMPOSE_FILE;
  delete env.COMPOSE_PROFILES;
  return env;
}

/** Production secrets compose must refuse to run without. */
const REQUIRED_SECRETS = [
  'JWT_SECRET',
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
] as const;
const SECRETS = {
  JWT_SECRET: 'dummy-secret-for-config-test',
  // A real key: the configuration imports it at start.
  CREDENTIAL_SIGNING_JWK: JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
  PUBLIC_BASE_URL: 'https://marketplace.example',
  STRIPE_SECRET_KEY: 'sk_live_dummy',
  STRIPE_WEBHOOK_SECRET: 'whsec_dummy',
  SMTP_URL: 'smtp://user:pass@smtp.example:587',
  METRICS_TOKEN: 'dummy-metrics-token-for-config-test',
  OIDC_ISSUER: 'https://id.marketplace.example',
  OIDC_CLIENT_ID: 'credential-marketplace',
  OIDC_CLIENT_SECRET: 'dummy-oidc-client-secret',
  SESSION_SECRET: 'dummy-session-secret-for-config-test-0123456789',
};

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
  const converted = run(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    process.env,
    result.stdout,
  );
  if (converted.status !== 0) throw new Error(`could not read the YAML from docker-compose config: ${converted.stderr}`);
  return JSON.parse(converted.stdout) as Json;
}

interface Port {
  published: number;
  target: number;
}

/** Short ("[ip:]published:target[/proto]") and long ({published, target}) port syntax, as v1 and v2 print them. */
function ports(service: Json): Port[] {
  const list = (service.ports ?? []) as unknown[];
  return list.map((p) => {
    if (typeof p === 'string' || typeof p === 'number') {
      const parts = String(p)
        .replace(/\/\w+$/, '')
        .split(':');
      return { published: Number(parts[parts.length - 2]), target: Number(parts[parts.length - 1]) };
    }
    const o = p as { published?: string | number; target?: string | number };
    return { published: Number(o.published), target: Number(o.target) };
  });
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

describe('docker-compose.yml', () => {
  let services: Record<string, Json>;

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
  }, TIMEOUT_MS * 2);

  afterAll(() => {
    if (emptyEnvFile) fs.rmSync(path.dirname(emptyEnvFile), { recursive: true, force: true });
  });

  it('defines the seven services', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'migrate', 'postgres', 'temporal', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
    );
  });

  it('publishes the API on 3000 and the Temporal UI on 8233', () => {
    expect(ports(services.api)).toContainEqual({ published: 3000, target: 3000 });
    expect(ports(services['temporal-ui'])).toContainEqual({ published: 8233, target: 8080 });
  });

  it('starts api and worker only after migrate and temporal-setup completed successfully', () => {
    for (const name of ['api', 'worker']) {
      const deps = dependsOn(services[name]);
      expect({ service: name, migrate: deps.migrate, 'temporal-setup': deps['temporal-setup'] }).toEqual({
        service: name,
        migrate: 'service_completed_successfully',
        'temporal-setup': 'service_completed_successfully',
      });
    }
  });

  it('builds api, worker and migrate from the one app image, each with its own command', () => {
    const commands = ['api', 'worker', 'migrate'].map((name) => {
      expect(services[name].build).toBeDefined();
      return (services[name].command as string[]).join(' ');
    });
    expect(commands).toEqual(['node dist/api/server.js', 'node dist/worker/main.js', 'node dist/db/migrate.js']);
    expect(new Set(['api', 'worker', 'migrate'].map((n) => services[n].image)).size).toBe(1);
  });

  it('gives postgres a pg_isready healthcheck', () => {
    const healthcheck = services.postgres.healthcheck as { test?: string | string[] } | undefined;
    expect(healthcheck).toBeDefined();
    const test = healthcheck!.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toContain('pg_isready');
  });

  it('passes JWT_SECRET through to the app containers', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      expect(environment(services[name]).JWT_SECRET).toBe('dummy-secret-for-config-test');
      expect(environment(services[name]).NODE_ENV).toBe('production');
    }
  });

  it('gives api, worker and migrate every setting a production configuration requires', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const config = loadAppConfig(environment(services[name]));
      expect({ service: name, env: config.env, metricsToken: config.metrics.token }).toEqual({
        service: name,
        env: 'production',
        metricsToken: SECRETS.METRICS_TOKEN,
      });
    }
  });

  it.each(REQUIRED_SECRETS)('refuses the configuration when %s is not set', (secret) => {
    const { [secret]: _left, ...others } = SECRETS;
    const result = config(others, false);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(secret);
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
    const read = ['db/migrations', 'api/widget', 'console/views', 'console/assets', 'package.json', 'node_modules', 'dist'];
    for (const dir of read) expect(copied.some((c) => c === dir || c.startsWith(`${dir} `) || c.split(' ').includes(dir))).toBe(true);
    const sources = execFileSync('git', ['grep', '-l', 'PROJECT_ROOT', '--', 'api', 'console', 'lib', 'services', 'activities', 'worker'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    // A new module reading a project file at run time must be looked at here (and its folder copied above).
    expect(sources.trim().split('\n').sort()).toEqual(
      ['api/routes/widget.ts', 'console/render.ts', 'console/routes.ts', 'lib/paths.ts', 'lib/temporal-binaries.ts'].sort(),
    );
  });
});
