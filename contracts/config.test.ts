import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, ConfigSchema, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ MQTT_PORT: 1883, HTTP_PORT: 8080, INFLUX_DB: 'vectorwatch', DATA_DIR: './data', MQTT_HOST: '127.0.0.1', HTTP_HOST: '127.0.0.1', SIM_DEVICES: 200, TIME_ZONE: 'Asia/Shanghai' });
    expect(c.INFLUX_URL).toBeUndefined();
    expect(c.ADMIN_TOKEN).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ INFLUX_URL: '', ADMIN_TOKEN: '' })).toMatchObject({ INFLUX_URL: undefined, ADMIN_TOKEN: undefined });
  });

  it.each([
    ['MQTT_PORT', 'abc'],
    ['MQTT_PORT', '70000'],
    ['HTTP_PORT', '-1'],
    ['INFLUX_URL', 'not a url'],
    ['INFLUX_DB', 'bad name;drop'],
    ['ADMIN_TOKEN', 'short'],
    ['SIM_DEVICES', '-5'],
    ['LOG_LEVEL', 'loud'],
    ['INGEST_BATCH_SIZE', '0'],
  ])('a bad %s=%s stops with an error naming the key', (key, value) => {
    let error: unknown;
    try {
      loadConfig({ [key]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${key}:`);
    expect((error as Error).message).toContain(JSON.stringify(value));
  });

  it('.env.example documents exactly the keys of the schema, with valid defaults', () => {
    const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const entries = Object.fromEntries(
      text.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(entries).sort()).toEqual([...CONFIG_KEYS].sort());
    const parsed = loadConfig(entries);
    const defaults = ConfigSchema.parse({});
    expect(parsed).toEqual(defaults);
  });
});
