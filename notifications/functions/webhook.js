// 通用 Webhook: JSON with the Chinese message, the link and the whole alert event; signed like the rules engine's
// webhooks when NOTIFY_WEBHOOK_SECRET is set (X-VectorWatch-Signature: sha256=<hex HMAC of the raw body>).
const body = JSON.stringify({
  title: msg.notice.title,
  text: msg.notice.text,
  markdown: msg.notice.markdown,
  link: msg.link,
  severity: msg.alert.severity,
  districtId: msg.alert.districtId,
  event: msg.event,
});
const headers = {
  'content-type': 'application/json',
  'x-vectorwatch-event': msg.event.transition,
  'x-vectorwatch-delivery': String(msg.event.eventId),
};
const secret = env.get('NOTIFY_WEBHOOK_SECRET');
if (secret) headers['x-vectorwatch-signature'] = `sha256=${global.get('crypto').createHmac('sha256', secret).update(body).digest('hex')}`;
msg.url = msg.target.address;
msg.headers = headers;
msg.payload = body;
return msg;
