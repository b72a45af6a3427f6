// 解析告警: one MQTT message on alerts/{districtId}/{alertId} → msg.event / msg.alert, or nothing.
// Runs inside a Node-RED function node (msg, env, flow, node are Node-RED's). Contract: contracts/alert.ts.
const raw = typeof msg.payload === 'string' ? msg.payload : '';
// A zero-length retained payload clears a resolved alert's topic [MQTT-3.3.1-10]: not an event.
if (raw.length === 0) return null;
let event;
try {
  event = JSON.parse(raw);
} catch (err) {
  node.warn(`ignored a non-JSON message on ${msg.topic}`);
  return null;
}
const alert = event && event.alert;
if (!event || event.version !== 1 || typeof event.eventId !== 'number' || !alert || typeof alert.id !== 'string') {
  node.warn(`ignored a message on ${msg.topic} that is no alert event of contract v1`);
  return null;
}
const levels = String(msg.topic).split('/');
if (levels[1] !== alert.districtId || levels[2] !== alert.id) {
  node.warn(`ignored alert ${alert.id}: its topic ${msg.topic} does not match its district and id`);
  return null;
}
const notifying = String(env.get('NOTIFY_TRANSITIONS') || 'opened,escalated,acknowledged,resolved').split(/[\s,]+/);
if (!notifying.includes(event.transition)) return null;

// At-least-once delivery (redelivered events, retained state replayed at every (re)subscription): notify each
// event once. The last notified event id per alert is kept in the persistent context store.
const notified = flow.get('notified') || {};
const last = notified[alert.id];
if (last && last.eventId >= event.eventId) return null;
const now = Date.now();
notified[alert.id] = { eventId: event.eventId, atMs: now };
const keepMs = 40 * 24 * 3600 * 1000;
for (const id of Object.keys(notified)) if (now - notified[id].atMs > keepMs) delete notified[id];
flow.set('notified', notified);

msg.event = event;
msg.alert = alert;
const base = String(env.get('PUBLIC_URL') || 'http://127.0.0.1:8080').replace(/\/+$/, '');
msg.link = `${base}/#/alerts/${encodeURIComponent(alert.id)}`;
return msg;
