// 按级别和区域分发: one message per configured target whose minimum severity the alert reaches and whose district
// matches (a target without a district gets every district). Outputs: 1 企业微信, 2 钉钉, 3 邮件, 4 Webhook.
// Targets come from VECTORWATCH_NOTIFY_ROUTES, written by the runner from NOTIFY_* (notifications/config.ts).
const RANK = { info: 0, minor: 1, major: 2, critical: 3 };
const routes = JSON.parse(env.get('VECTORWATCH_NOTIFY_ROUTES') || '{}');
const a = msg.alert;
return ['wecom', 'dingtalk', 'email', 'webhook'].map((channel) => {
  const route = routes[channel];
  if (!route || RANK[a.severity] < RANK[route.minSeverity]) return null;
  const out = route.targets
    .filter((t) => t.district === null || t.district === a.districtId)
    .map((t) => ({ topic: msg.topic, event: msg.event, alert: a, link: msg.link, notice: msg.notice, channel, target: t }));
  return out.length > 0 ? out : null;
});
