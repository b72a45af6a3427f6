/**
 * The compose deployment, checked without a container engine: Debian's `docker-compose config` parses and
 * interpolates it (Compose Specification schema, references between services, volumes and networks), and every
 * VectorWatch container's environment passes the app's own config schema (contracts/config.ts, and
 * notifications/config.ts for the notifier), so a key the services do not know cannot sit in compose unnoticed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS, loadConfig } from '../../contracts/config.ts';
import { loadNotifierConfig, NOTIFIER_CONFIG_KEYS } from '../../notifications/config.ts';

const ROOT = new URL('../../', import.meta.url);
const COMPOSE = new URL('docker-compose.yml', ROOT).pathname;
const ENV_EXAMPLE = new URL('compose.env.example', ROOT).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'vw-compose-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** compose.env.example with its required secrets filled, as an operator's .env would be. */
const SECRETS = {
  MQTT_SERVICE_PASSWORD: 'svc-secret-0123456789abcdef',
  ADMIN_TOKEN: 'admin-token-0123456789abcdef',
  INFLUX_TOKEN: 'influx-token-0123456789abcdef',
  INFLUX_ADMIN_PASSWORD: 'influx-admin-password',
  GRAFANA_ADMIN_PASSWORD: 'grafana-admin-password',
};

function exampleEntries(): Record<string, string> {
  const text = readFileSync(ENV_EXAMPLE, 'utf8');
  return Object.fromEntries(
    text.split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function envFile(overrides: Record<string, string | undefined>): string {
  const entries = { ...exampleEntries(), ...SECRETS, ...overrides };
  const path = join(tmp, `env-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, Object.entries(entries).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join('\n'));
  return path;
}

function composeConfig(env: string) {
  const r = spawnSync('docker-compose', ['--project-directory', new URL('.', ROOT).pathname, '-f', COMPOSE, '--env-file', env, 'config'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: tmp, COMPOSE_PROFILES: 'sim' },
  });
  if (r.error) throw new Error(`docker-compose is missing (Debian package docker-compose; .ci/run installs it): ${r.error.message}`);
  return r;
}

type Service = {
  image?: string;
  command?: string[];
  environment?: Record<string, string | null>;
  ports?: (string | { published: number | string; target: number; host_ip?: string })[];
  volumes?: (string | { type: string; source: string; target: string })[];
  healthcheck?: unknown;
  env_file?: unknown;
};

const raw = parse(readFileSync(COMPOSE, 'utf8')) as { services: Record<string, Service> };
const result = composeConfig(envFile({}));
const resolved = (result.status === 0 ? parse(result.stdout) : { services: {} }) as { services: Record<string, Service> };
const OUR_IMAGE = /^vectorwatch:/;

describe('docker-compose.yml', () => {
  it('is valid for docker-compose config with the documented .env', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(Object.keys(resolved.services).sort()).toEqual(['api', 'broker', 'grafana', 'influxdb', 'ingest', 'notifier', 'proxy', 'rules', 'simulator']);
  });

  it('refuses to start without a required secret, naming it', () => {
    const r = composeConfig(envFile({ MQTT_SERVICE_PASSWORD: undefined }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('MQTT_SERVICE_PASSWORD');
  });

  it('runs broker, ingest, rules and api as separate containers of the one image, with the entry points that exist', () => {
    const entry = (name: string) => resolved.services[name]?.command?.join(' ');
    expect(entry('broker')).toBe('node broker/main.ts');
    expect(entry('ingest')).toBe('node ingest/main.ts');
    expect(entry('rules')).toBe('node rules/main.ts');
    expect(entry('api')).toBe('node api/main.ts');
    expect(entry('notifier')).toBe('node notifications/main.ts');
    for (const [name, s] of Object.entries(resolved.services)) {
      if (!OUR_IMAGE.test(s.image ?? '')) continue;
      const script = s.command?.find((c) => c.endsWith('.ts'));
      if (script) expect(existsSync(new URL(script, ROOT)), `${name}: ${script}`).toBe(true);
    }
  });

  it("gives every VectorWatch container only keys of its config schema, with values the schema accepts", () => {
    for (const [name, s] of Object.entries(resolved.services)) {
      if (!OUR_IMAGE.test(s.image ?? '') || name === 'simulator') continue;
      expect(s.env_file, `${name} must not take a whole env file`).toBeUndefined();
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v ?? '']));
      const known: readonly string[] = name === 'notifier' ? [...CONFIG_KEYS, ...NOTIFIER_CONFIG_KEYS] : CONFIG_KEYS;
      for (const key of Object.keys(env)) expect(known, `${name}: ${key}`).toContain(key);
      if (name === 'notifier') expect(() => loadNotifierConfig(env), name).not.toThrow();
      else expect(() => loadConfig(env), name).not.toThrow();
    }
    const sim = resolved.services.simulator!;
    for (const key of Object.keys(sim.environment ?? {})) expect(CONFIG_KEYS, `simulator: ${key}`).toContain(key);
  });

  it('documents every variable it reads in compose.env.example, and nothing else', () => {
    const text = readFileSync(COMPOSE, 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    expect([...used].sort()).toEqual(Object.keys(exampleEntries()).sort());
  });

  it('listens publicly only on HTTP(S) and MQTT over TLS; everything else is loopback or private', () => {
    const published: string[] = [];
    for (const [name, s] of Object.entries(raw.services)) {
      for (const p of s.ports ?? []) {
        const text = String(p);
        // "host:container" binds every interface; "ip:host:container" binds ip.
        const parts = text.split(':');
        const bindsAll = parts.length === 2;
        if (bindsAll) published.push(`${name}:${parts[0]}`);
        else expect(['127.0.0.1', '${MQTT_PLAIN_BIND:-127.0.0.1}'], `${name} ${text}`).toContain(parts.slice(0, -2).join(':'));
      }
    }
    expect(published.sort()).toEqual(['proxy:443', 'proxy:80', 'proxy:8883']);
  });

  it('has health checks on every service that listens, and named volumes for all state', () => {
    for (const name of ['influxdb', 'broker', 'api', 'notifier', 'grafana', 'proxy']) expect(raw.services[name]?.healthcheck, name).toBeDefined();
    for (const [name, s] of Object.entries(raw.services)) {
      for (const v of s.volumes ?? []) {
        const [source, target] = String(v).split(':');
        if (source!.startsWith('./')) {
          expect(existsSync(new URL(source!, ROOT)), `${name}: ${source} exists in the repository`).toBe(true);
          expect(String(v), `${name}: bind mounts are read-only`).toMatch(/:ro$/);
        } else {
          expect(source, `${name} ${target}`).toMatch(/^[a-z][a-z0-9-]*$/);
        }
      }
    }
  });

  it('mounts the generated dashboards where the provisioning file looks for them', () => {
    const provider = parse(readFileSync(new URL('dashboards/provisioning/dashboards/vectorwatch.yaml', ROOT), 'utf8')) as { providers: { options: { path: string } }[] };
    const mounts = (raw.services.grafana?.volumes ?? []).map(String);
    expect(mounts).toContain(`./dashboards/json:${provider.providers[0]!.options.path}:ro`);
  });
});
