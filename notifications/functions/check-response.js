// 检查应答: robots answer HTTP 200 with {"errcode":0,"errmsg":"ok"}; anything else is a failed delivery, raised
// as a node error (logged, and counted by the catch node).
const status = Number(msg.statusCode);
let errcode = 0;
let errmsg = '';
if (typeof msg.payload === 'string' && msg.payload.trim().startsWith('{')) {
  try {
    const body = JSON.parse(msg.payload);
    if (typeof body.errcode === 'number') {
      errcode = body.errcode;
      errmsg = body.errmsg || '';
    }
  } catch (err) {
    // not JSON: a generic webhook may answer anything with a 2xx
  }
}
const stats = global.get('notifyStats') || { sent: 0, failed: 0 };
if (!(status >= 200 && status < 300) || errcode !== 0) {
  stats.failed += 1;
  global.set('notifyStats', stats);
  node.error(`${msg.channel}: delivery of alert ${msg.alert.id} event ${msg.event.eventId} failed: HTTP ${msg.statusCode} errcode ${errcode} ${errmsg}`.trim());
  return null;
}
stats.sent += 1;
global.set('notifyStats', stats);
node.log(`${msg.channel}: sent alert ${msg.alert.id} event ${msg.event.eventId} (${msg.event.transition})`);
return null;
