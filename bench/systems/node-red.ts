/**
 * The pipeline users build today in Node-RED, as a peer ingest: `mqtt in` (QoS 1, devices/+/telemetry) → `json` →
 * a function that maps a reading to a point → `join` (arrays of 5000, or 0.2 s after the first: the same batch
 * bounds as our sink's defaults) → `influxdb batch` (node-red-contrib-influxdb, InfluxDB 1.x). The function keeps the
 * same point identity as ours (ns timestamp = ts·10⁶ + seq mod 10⁶) so the per-device count compares like for like;
 * it adds no registry tags (less work than ours), only `device`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../platform/influxd.ts';
import { startChild, waitFor, type Child } from './child.ts';

const REPO = resolve(import.meta.dirname, '../..');

const TO_POINT = `
const r = msg.payload;
const fields = {};
for (const k in r) {
  if (k === 'v' || k === 'kind' || k === 'ts') continue;
  const x = r[k];
  if (x !== null && typeof x === 'object') { for (const s in x) fields[k + '_' + s] = x[s]; }
  else fields[k] = x;
}
msg.payload = {
  measurement: r.kind,
  tags: { device: msg.topic.split('/')[1] },
  fields,
  timestamp: String(r.ts) + String(r.seq % 1000000).padStart(6, '0'),
};
return msg;`;

export function nodeRedFlow(mqttUrl: string, influxUrl: string, db: string): object[] {
  const m = new URL(mqttUrl);
  const i = new URL(influxUrl);
  return [
    { id: 'f1a0000000000001', type: 'tab', label: 'telemetry' },
    { id: 'c0a0000000000001', type: 'mqtt-broker', name: 'mosquitto', broker: m.hostname, port: m.port, clientid: 'nodered-bench', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
    { id: 'c0a0000000000002', type: 'influxdb', hostname: i.hostname, port: i.port, protocol: 'http', database: db, name: 'influxdb 1.x', usetls: false, influxdbVersion: '1.x' },
    { id: 'n0a0000000000001', type: 'mqtt in', z: 'f1a0000000000001', name: '', topic: 'devices/+/telemetry', qos: '1', datatype: 'utf8', broker: 'c0a0000000000001', nl: false, rap: false, inputs: 0, wires: [['n0a0000000000002']] },
    { id: 'n0a0000000000002', type: 'json', z: 'f1a0000000000001', property: 'payload', action: 'obj', pretty: false, wires: [['n0a0000000000003']] },
    { id: 'n0a0000000000003', type: 'function', z: 'f1a0000000000001', name: 'to point', func: TO_POINT, outputs: 1, wires: [['n0a0000000000004']] },
    { id: 'n0a0000000000004', type: 'join', z: 'f1a0000000000001', mode: 'custom', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '0.2', count: '5000', reduceRight: false, wires: [['n0a0000000000005']] },
    { id: 'n0a0000000000005', type: 'influxdb batch', z: 'f1a0000000000001', influxdb: 'c0a0000000000002', precision: 'n', retentionPolicy: '', name: 'influx batch', wires: [] },
  ];
}

export async function startNodeRed(dir: string, mqttUrl: string, influxUrl: string, db: string, cpuProfDir?: string): Promise<Child> {
  const userDir = join(dir, 'node-red');
  mkdirSync(userDir, { recursive: true });
  const port = await freePort();
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(nodeRedFlow(mqttUrl, influxUrl, db), null, 2));
  writeFileSync(
    join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      userDir,
      nodesDir: [join(REPO, 'node_modules/node-red-contrib-influxdb')],
      credentialSecret: false,
      logging: { console: { level: 'info', metrics: false, audit: false } },
      externalModules: { autoInstall: false, palette: { allowInstall: false } },
      editorTheme: { tours: false },
      diagnostics: { enabled: false },
      telemetry: { enabled: false },
    })};\n`,
  );
  const args = [...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []), join(REPO, 'node_modules/node-red/red.js'), '--userDir', userDir, '--settings', join(userDir, 'settings.js')];
  const child = startChild('node-red', process.execPath, args, { cwd: userDir });
  await waitFor(() => /Connected to broker/.test(child.output()), 60_000, 'Node-RED to connect to the broker', child);
  return child;
}
