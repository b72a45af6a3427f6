/**
 * Builds the Node-RED flows file (`notifications/flows.json`) from the function bodies in `functions/*.js` and the
 * wiring below, so the JavaScript stays readable and reviewable. `flows.test.ts` fails when the committed file
 * differs from what this builds: after editing, run `npm run gen:flows`. A flow changed in the Node-RED editor is
 * exported back by copying its function bodies into `functions/`.
 *
 *   mqtt in alerts/+/+ ─▶ 解析告警 ─▶ 生成消息 ─▶ 按级别和区域分发 ─┬▶ 企业微信 ─▶ http request ─▶ 检查应答
 *                                                               ├▶ 钉钉     ─▶ http request ─▶ 检查应答
 *                                                               ├▶ 邮件 (nodemailer)
 *                                                               └▶ Webhook  ─▶ http request ─▶ 检查应答
 *   catch ─▶ 记录失败            status(mqtt in) ─▶ MQTT 连接状态            GET /health ─▶ 健康检查 ─▶ http response
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FLOWS_FILE = fileURLToPath(new URL('./flows.json', import.meta.url));
/** The mqtt-broker config node; the runner writes its credentials (`svc:notifier`) into `flows_cred.json`. */
export const BROKER_NODE_ID = 'vw-broker';
/** Client ids of service principals must start with `svc:{role}` (broker/authenticate-connect.ts). */
export const NOTIFIER_CLIENT_ID = 'svc:notifier-nodered';
const TAB = 'vw-notify';

type FlowNode = Record<string, unknown> & { id: string; type: string };

const fn = (file: string): string => readFileSync(new URL(`./functions/${file}`, import.meta.url), 'utf8').trimEnd();

function functionNode(id: string, name: string, file: string, x: number, y: number, wires: string[][]): FlowNode {
  return {
    id, type: 'function', z: TAB, name, func: fn(file), outputs: wires.length, timeout: 30, noerr: 0,
    initialize: '', finalize: '', libs: [], x, y, wires,
  };
}

function httpRequest(id: string, name: string, x: number, y: number, wires: string[][]): FlowNode {
  return {
    id, type: 'http request', z: TAB, name, method: 'POST', ret: 'txt', paytoqs: 'ignore', url: '', tls: '',
    persist: false, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x, y, wires,
  };
}

export function buildFlows(): FlowNode[] {
  return [
    {
      id: TAB, type: 'tab', label: '告警通知', disabled: false,
      info: 'VectorWatch 告警通知：订阅 alerts/+/+，按级别和区域发送到企业微信、钉钉、邮件和通用 Webhook。\n' +
        '由 notifications/build-flows.ts 生成；说明见 docs/notifications.md。',
    },
    {
      id: BROKER_NODE_ID, type: 'mqtt-broker', name: 'VectorWatch broker', broker: '${MQTT_URL}', port: '',
      clientid: NOTIFIER_CLIENT_ID, autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60',
      // Persistent session: alert events published while Node-RED restarts wait at the broker (QoS 1).
      cleansession: false, autoUnsubscribe: false,
      birthTopic: '', birthQos: '0', birthPayload: '', birthMsg: {},
      closeTopic: '', closeQos: '0', closePayload: '', closeMsg: {},
      willTopic: '', willQos: '0', willPayload: '', willMsg: {},
      userProps: '', sessionExpiry: '',
    },
    {
      id: 'vw-alerts-in', type: 'mqtt in', z: TAB, name: '告警 alerts/+/+', topic: 'alerts/+/+', qos: '1',
      datatype: 'utf8', broker: BROKER_NODE_ID, nl: false, rap: true, rh: 0, inputs: 0, x: 130, y: 80,
      wires: [['vw-parse']],
    },
    functionNode('vw-parse', '解析告警', 'parse-alert.js', 330, 80, [['vw-format']]),
    functionNode('vw-format', '生成消息', 'format-notice.js', 510, 80, [['vw-route']]),
    functionNode('vw-route', '按级别和区域分发', 'route.js', 720, 80, [['vw-wecom'], ['vw-dingtalk'], ['vw-email'], ['vw-webhook']]),
    functionNode('vw-wecom', '企业微信群机器人', 'wecom.js', 960, 40, [['vw-wecom-post']]),
    httpRequest('vw-wecom-post', 'POST 企业微信', 1170, 40, [['vw-check']]),
    functionNode('vw-dingtalk', '钉钉群机器人', 'dingtalk.js', 960, 100, [['vw-dingtalk-post']]),
    httpRequest('vw-dingtalk-post', 'POST 钉钉', 1170, 100, [['vw-check']]),
    functionNode('vw-email', '邮件', 'email.js', 950, 160, []),
    functionNode('vw-webhook', '通用 Webhook', 'webhook.js', 960, 220, [['vw-webhook-post']]),
    httpRequest('vw-webhook-post', 'POST Webhook', 1170, 220, [['vw-check']]),
    functionNode('vw-check', '检查应答', 'check-response.js', 1370, 100, []),
    { id: 'vw-catch', type: 'catch', z: TAB, name: '发送失败', scope: null, uncaught: false, x: 120, y: 300, wires: [['vw-count-failure']] },
    functionNode('vw-count-failure', '记录失败', 'count-failure.js', 310, 300, []),
    { id: 'vw-mqtt-status', type: 'status', z: TAB, name: 'MQTT 连接', scope: ['vw-alerts-in'], x: 120, y: 360, wires: [['vw-mqtt-state']] },
    functionNode('vw-mqtt-state', 'MQTT 连接状态', 'mqtt-state.js', 320, 360, []),
    {
      id: 'vw-health-in', type: 'http in', z: TAB, name: 'GET /health', url: '/health', method: 'get', upload: false,
      swaggerDoc: '', x: 120, y: 420, wires: [['vw-health']],
    },
    functionNode('vw-health', '健康检查', 'health.js', 310, 420, [['vw-health-out']]),
    { id: 'vw-health-out', type: 'http response', z: TAB, name: '', statusCode: '', headers: {}, x: 490, y: 420, wires: [] },
  ];
}

export const renderFlows = (): string => `${JSON.stringify(buildFlows(), null, 2)}\n`;

if (import.meta.main) {
  writeFileSync(FLOWS_FILE, renderFlows());
  console.log(`wrote ${FLOWS_FILE}`);
}
