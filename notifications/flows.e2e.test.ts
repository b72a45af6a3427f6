/**
 * The notification flows end to end: the real VectorWatch broker (ACL, `svc:notifier`), Node-RED started by the
 * runner with the committed flows file, and local receivers standing in for the WeCom and DingTalk robots, the
 * generic webhook and an SMTP server. Alert events are published as the rules engine publishes them.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type VectorBroker } from '../broker/create-broker.ts';
import { listenBroker, type BrokerListener } from '../broker/listen.ts';
import { testDevices } from '../broker/test-devices.ts';
import { AlertEventSchema, alertTopic, type Alert, type AlertEvent } from '../contracts/alert.ts';
import { freePort } from '../platform/influxd.ts';
import { silentLogger } from '../platform/logger.ts';
import { loadNotifierConfig } from './config.ts';
import { NOTIFIER_CLIENT_ID } from './build-flows.ts';
import { startNodeRed, type NodeRedProcess } from './start-node-red.ts';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type ReceivedRequest, type SmtpReceiver } from './test-receivers.ts';

const SERVICE_PASSWORD = 'notify-e2e-service-secret';
const DINGTALK_SECRET = 'SECtest0123456789abcdef';
const WEBHOOK_SECRET = 'webhook-secret-0123456789';
const PUBLIC_URL = 'https://vw.example.cn';

let broker: VectorBroker;
let listener: BrokerListener;
let receiver: HttpReceiver;
let smtp: SmtpReceiver;
let nodeRed: NodeRedProcess | undefined;
let rules: MqttClient;
let dataDir: string;
const output: string[] = [];

function alert(over: Partial<Alert>): Alert {
  return {
    id: 'alrt-yx-0001', key: 'density.rodent.indoor-sign-rate@district:yuexiu', ruleId: 'density.rodent.indoor-sign-rate',
    kind: 'density', severity: 'minor', state: 'open', districtId: 'yuexiu', scope: { level: 'district', id: 'yuexiu' },
    period: '2026-11', indicator: 'indoor-sign-rate', value: 6.2, limit: 5, unit: '%', standard: 'GB/T 27770-2011',
    text: {
      zh: '越秀区 2026年11月 室内鼠迹阳性率 6.2%，超过C级限值5%（GB/T 27770-2011）',
      en: 'Yuexiu District, November 2026: Indoor rodent-sign positive rate 6.2%, above the grade C limit of 5% (GB/T 27770-2011)',
    },
    openedAt: '2026-11-05T02:00:00.000Z', lastSeenAt: '2026-11-05T02:00:00.000Z', count: 1, lastValue: 6.2,
    escalationLevel: 0, resolution: null,
    ...over,
  };
}

function event(eventId: number, transition: AlertEvent['transition'], a: Alert, at = '2026-11-05T02:00:00.000Z'): AlertEvent {
  return AlertEventSchema.parse({ version: 1, eventId, transition, at, actor: 'system', note: null, alert: a });
}

async function publish(e: AlertEvent, retain = true): Promise<void> {
  await rules.publishAsync(alertTopic(e.alert.districtId, e.alert.id), JSON.stringify(e), { qos: 1, retain });
}

async function waitFor(check: () => boolean, label: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}\nNode-RED said:\n${output.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 700));
const at = (path: string) => receiver.requests.filter((r) => r.path === path);
const json = (r: ReceivedRequest) => JSON.parse(r.body) as Record<string, any>;

async function startNotifier(): Promise<NodeRedProcess> {
  const config = loadNotifierConfig({
    MQTT_URL: `mqtt://127.0.0.1:${listener.port}`,
    MQTT_SERVICE_PASSWORD: SERVICE_PASSWORD,
    DATA_DIR: dataDir,
    PUBLIC_URL,
    LOG_LEVEL: 'info',
    NODE_RED_PORT: String(await freePort()),
    // City group gets every district from minor up; Yuexiu's group gets Yuexiu only.
    NOTIFY_WECOM_URL: `${receiver.url}/wecom/city yuexiu=${receiver.url}/wecom/yuexiu`,
    // Tianhe's DingTalk group, signed, major and above.
    NOTIFY_DINGTALK_URL: `tianhe=${receiver.url}/dingtalk/send?access_token=tok123#${DINGTALK_SECRET}`,
    NOTIFY_DINGTALK_MIN_SEVERITY: 'major',
    NOTIFY_EMAIL_TO: 'cdc@example.cn',
    NOTIFY_EMAIL_MIN_SEVERITY: 'critical',
    NOTIFY_EMAIL_FROM: 'vectorwatch@example.cn',
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    NOTIFY_WEBHOOK_URL: `${receiver.url}/hook`,
    NOTIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  const started = await startNodeRed(config, { onOutput: (l) => output.push(l) });
  // Healthy means the flows run and the alerts subscription is connected.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${started.url}/health`);
    const body = (await res.json()) as { status: string };
    if (res.status === 200 && body.status === 'ok') break;
    if (Date.now() > deadline) throw new Error(`notifier not healthy: ${JSON.stringify(body)}\n${output.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return started;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vw-notify-'));
  broker = await createBroker({ devices: testDevices({}), servicePassword: SERVICE_PASSWORD, logger: silentLogger });
  listener = await listenBroker(broker, { port: 0 });
  receiver = await startHttpReceiver();
  smtp = await startSmtpReceiver();
  rules = await connectAsync(`mqtt://127.0.0.1:${listener.port}`, {
    clientId: 'svc:rules-test', username: 'svc:rules', password: SERVICE_PASSWORD, reconnectPeriod: 0,
  });
  nodeRed = await startNotifier();
}, 60_000);

afterAll(async () => {
  await nodeRed?.stop();
  await rules?.endAsync();
  await listener?.close();
  await broker?.close();
  await receiver?.close();
  await smtp?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('notification flows', () => {
  const yuexiu = alert({});

  it('sends an opened alert to the WeCom robots of the city and of its district, as markdown in Chinese with a link', async () => {
    await publish(event(1, 'opened', yuexiu));
    await waitFor(() => at('/wecom/city').length === 1 && at('/wecom/yuexiu').length === 1 && at('/hook').length === 1, 'WeCom and webhook');
    await settle();
    for (const r of [...at('/wecom/city'), ...at('/wecom/yuexiu')]) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      const body = json(r);
      expect(Object.keys(body).sort()).toEqual(['markdown', 'msgtype']);
      expect(body.msgtype).toBe('markdown');
      expect(Object.keys(body.markdown)).toEqual(['content']);
      const content = body.markdown.content as string;
      expect(content).toMatch(/^### 【一般】新告警：越秀区 2026年11月 室内鼠迹阳性率/);
      expect(content).toContain(`**${yuexiu.text.zh}**`);
      expect(content).toContain('> 数值：6.2 %　限值：5 %　累计：1 次');
      expect(content).toContain('> 依据：GB/T 27770-2011');
      expect(content).toContain('> 首次发生：2026/11/05 10:00');
      expect(content).toContain(`[在实时页面查看告警](${PUBLIC_URL}/#/alerts/alrt-yx-0001)`);
    }
    // Routed by severity and district: DingTalk is Tianhe's and major+, e-mail critical only.
    expect(at('/dingtalk/send')).toHaveLength(0);
    expect(smtp.mails).toHaveLength(0);
  });

  it('signs the generic webhook and carries the whole event', () => {
    const [hook] = at('/hook');
    expect(hook).toBeDefined();
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(hook!.body).digest('hex')}`;
    expect(hook!.headers['x-vectorwatch-signature']).toBe(expected);
    expect(hook!.headers['x-vectorwatch-event']).toBe('opened');
    expect(hook!.headers['x-vectorwatch-delivery']).toBe('1');
    const body = json(hook!);
    expect(AlertEventSchema.parse(body.event)).toEqual(event(1, 'opened', yuexiu));
    expect(body.link).toBe(`${PUBLIC_URL}/#/alerts/alrt-yx-0001`);
    expect(body.severity).toBe('minor');
  });

  it('sends a critical Tianhe alert to the signed DingTalk robot and by e-mail, not to the Yuexiu group', async () => {
    const tianhe = alert({
      id: 'alrt-th-water-01', key: 'water.free-chlorine.tap-min@device:th-wp-001', ruleId: 'water.free-chlorine.tap-min',
      kind: 'water', severity: 'critical', districtId: 'tianhe', siteId: 'th-water-pump', deviceId: 'th-wp-001',
      scope: { level: 'device', id: 'th-wp-001' }, period: undefined, indicator: 'free-chlorine', value: 0.03, limit: 0.05,
      unit: 'mg/L', standard: 'GB 5749-2022', lastValue: 0.03,
      text: { zh: '天河区 石牌二次供水泵房 末梢水 游离氯 0.03 mg/L，低于下限0.05 mg/L（GB 5749-2022）', en: 'Tianhe: tap water free chlorine 0.03 mg/L, below the minimum of 0.05 mg/L (GB 5749-2022)' },
    });
    const before = { city: at('/wecom/city').length, yuexiu: at('/wecom/yuexiu').length };
    const sentAtMs = Date.now();
    await publish(event(2, 'opened', tianhe));
    await waitFor(() => at('/dingtalk/send').length === 1 && smtp.mails.length === 1 && at('/wecom/city').length === before.city + 1, 'DingTalk, e-mail, WeCom');
    await settle();
    expect(at('/wecom/yuexiu')).toHaveLength(before.yuexiu);

    const [ding] = at('/dingtalk/send');
    expect(ding!.query.get('access_token')).toBe('tok123');
    const timestamp = ding!.query.get('timestamp')!;
    expect(Number(timestamp)).toBeGreaterThanOrEqual(sentAtMs - 1000);
    expect(Number(timestamp)).toBeLessThanOrEqual(Date.now());
    // DingTalk 加签: base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), URL-encoded in the query.
    expect(ding!.query.get('sign')).toBe(createHmac('sha256', DINGTALK_SECRET).update(`${timestamp}\n${DINGTALK_SECRET}`).digest('base64'));
    const body = json(ding!);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe(`【紧急】新告警：${tianhe.text.zh}`);
    expect(body.markdown.text).toContain('> 区域：tianhe　站点：th-water-pump　设备：th-wp-001');
    expect(body.markdown.text).toContain('> 类别：饮用水水质异常　级别：紧急');
    expect(body.markdown.text).toContain(`(${PUBLIC_URL}/#/alerts/alrt-th-water-01)`);

    const [mail] = smtp.mails;
    expect(mail!.from).toBe('vectorwatch@example.cn');
    expect(mail!.to).toEqual(['cdc@example.cn']);
    expect(mail!.data).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(mail!.data).toMatch(/^X-VectorWatch-Alert: alrt-th-water-01$/im);
    expect(mail!.data).toContain('GB 5749-2022');
  });

  it('sends the resolution of a resolved alert, and ignores the cleared retained topic', async () => {
    const before = at('/wecom/yuexiu').length;
    const resolved = alert({
      state: 'resolved', resolvedBy: 'inspector-li', resolvedAt: '2026-11-06T01:30:00.000Z', resolution: 'manual',
      correctiveAction: '补设鼠饵站 12 个，封堵鼠洞 3 处', resolvedNote: '复查合格',
    });
    await publish(event(3, 'resolved', resolved, '2026-11-06T01:30:00.000Z'), false);
    await rules.publishAsync(alertTopic('yuexiu', 'alrt-yx-0001'), '', { qos: 1, retain: true });
    await waitFor(() => at('/wecom/yuexiu').length === before + 1, 'the resolution');
    await settle();
    expect(at('/wecom/yuexiu')).toHaveLength(before + 1);
    const content = json(at('/wecom/yuexiu').at(-1)!).markdown.content as string;
    expect(content).toMatch(/^### 【一般】告警已解除：越秀区/);
    expect(content).toContain('> 解除：人工解除（inspector-li）　时间：2026/11/06 09:30');
    expect(content).toContain('> 处置措施：补设鼠饵站 12 个，封堵鼠洞 3 处');
    expect(content).toContain('> 备注：复查合格');
    expect(content).toContain(`(${PUBLIC_URL}/#/alerts/alrt-yx-0001)`);
  });

  it('notifies each event once: a redelivered event and a repeat breach (updated) send nothing', async () => {
    const total = receiver.requests.length;
    const again = alert({ id: 'alrt-yx-0002', key: 'k2', severity: 'major' });
    await publish(event(10, 'opened', again));
    await waitFor(() => receiver.requests.length === total + 3, 'city, Yuexiu and webhook'); // major: no DingTalk (Tianhe only)
    await publish(event(10, 'opened', again)); // redelivery, same event id
    await publish(event(11, 'updated', { ...again, count: 2, lastValue: 7 }));
    await settle();
    expect(receiver.requests).toHaveLength(total + 3);
  });

  /** Ends Node-RED and discards its broker session (as a broker without persistent storage loses it on restart). */
  async function stopAndDropSession(): Promise<void> {
    await nodeRed!.stop();
    const kicker = await connectAsync(`mqtt://127.0.0.1:${listener.port}`, {
      clientId: NOTIFIER_CLIENT_ID, username: 'svc:notifier', password: SERVICE_PASSWORD, clean: true, reconnectPeriod: 0,
    });
    await kicker.endAsync();
  }

  it('announces the active alerts once when it starts afresh (new session: retained alerts replayed, no context)', async () => {
    const total = receiver.requests.length;
    await stopAndDropSession();
    rmSync(join(dataDir, 'node-red'), { recursive: true, force: true });
    nodeRed = await startNotifier();
    // Retained now: alrt-th-water-01 as 'opened' (notifies) and alrt-yx-0002 as 'updated' (a repeat breach, which
    // does not notify); alrt-yx-0001 was cleared on resolve.
    await waitFor(() => smtp.mails.length === 2 && receiver.requests.length === total + 3, 'the replayed active alert');
    await settle();
    expect(receiver.requests).toHaveLength(total + 3);
    const ids = receiver.requests.slice(total).map((r) => (r.path === '/hook' ? json(r).event.alert.id : r.path));
    expect(ids.sort()).toEqual(['/dingtalk/send', '/wecom/city', 'alrt-th-water-01']);
  }, 40_000);

  it('does not repeat them after a restart that replays them again (the context store remembers)', async () => {
    const total = receiver.requests.length;
    await stopAndDropSession();
    nodeRed = await startNotifier();
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.requests).toHaveLength(total);
    expect(smtp.mails).toHaveLength(2);
  }, 40_000);
});
