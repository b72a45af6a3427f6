// GET /health: 200 while the broker connection is up, 503 otherwise; with delivery counts since start.
const connected = flow.get('mqttConnected', 'memory') === true;
const stats = global.get('notifyStats') || { sent: 0, failed: 0 };
msg.statusCode = connected ? 200 : 503;
msg.headers = { 'content-type': 'application/json' };
msg.payload = JSON.stringify({ status: connected ? 'ok' : 'mqtt_disconnected', sent: stats.sent, failed: stats.failed });
return msg;
