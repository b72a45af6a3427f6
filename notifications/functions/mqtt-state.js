// MQTT 连接状态: remembers whether the alerts subscription's broker connection is up, for GET /health.
const text = String((msg.status && msg.status.text) || '');
flow.set('mqttConnected', /connected$/.test(text) && !/disconnected$/.test(text), 'memory');
return null;
