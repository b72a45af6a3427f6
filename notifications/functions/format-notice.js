// 生成消息: msg.event → msg.notice { title, markdown, text } in Simplified Chinese, linking to the live page.
const SEVERITY = { info: '提示', minor: '一般', major: '重要', critical: '紧急' };
const TRANSITION = { opened: '新告警', updated: '告警更新', escalated: '告警升级', acknowledged: '告警已确认', resolved: '告警已解除', commented: '告警备注' };
const KIND = { density: '病媒生物密度超标', dengue: '登革热媒介风险', water: '饮用水水质异常', bin: '垃圾桶异常', device_health: '设备异常' };
const tz = env.get('TIME_ZONE') || 'Asia/Shanghai';
const time = (iso) =>
  iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: tz, hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }) : '';
const clip = (s, n) => (s.length > n ? `${s.slice(0, n)}…` : s);
const num = (v, unit) => `${Number.isFinite(v) ? Number(v.toFixed(3)) : v}${unit ? ` ${unit}` : ''}`;

const e = msg.event;
const a = msg.alert;
const sev = SEVERITY[a.severity] || a.severity;
let head = TRANSITION[e.transition] || e.transition;
if (e.transition === 'escalated') head = `${head}（第${a.escalationLevel}级）`;
const title = `【${sev}】${head}：${clip(a.text.zh, 60)}`;

const lines = [
  `区域：${a.districtId}${a.siteId ? `　站点：${a.siteId}` : ''}${a.deviceId ? `　设备：${a.deviceId}` : ''}`,
  `类别：${KIND[a.kind] || a.kind}　级别：${sev}`,
  `数值：${num(a.lastValue, a.unit)}　限值：${num(a.limit, a.unit)}　累计：${a.count} 次`,
  `依据：${a.standard}`,
  `首次发生：${time(a.openedAt)}`,
];
if (e.transition === 'acknowledged') {
  lines.push(`确认人：${a.acknowledgedBy || e.actor}　时间：${time(a.acknowledgedAt || e.at)}`);
  if (a.acknowledgedNote) lines.push(`备注：${clip(a.acknowledgedNote, 200)}`);
}
if (e.transition === 'resolved') {
  const how = a.resolution === 'auto' ? '数值恢复，自动解除' : `人工解除（${a.resolvedBy || e.actor}）`;
  lines.push(`解除：${how}　时间：${time(a.resolvedAt || e.at)}`);
  if (a.correctiveAction) lines.push(`处置措施：${clip(a.correctiveAction, 200)}`);
  if (a.resolvedNote) lines.push(`备注：${clip(a.resolvedNote, 200)}`);
}
const linkText = '在实时页面查看告警';
msg.notice = {
  title,
  markdown: [`### ${title}`, `**${a.text.zh}**`, ...lines.map((l) => `> ${l}`), `[${linkText}](${msg.link})`].join('\n'),
  text: [title, '', a.text.zh, '', ...lines, '', `${linkText}：${msg.link}`, '', `(${a.text.en})`].join('\n'),
};
return msg;
