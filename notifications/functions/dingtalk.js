// 钉钉群机器人: markdown message; with 加签 the URL gets timestamp and sign =
// urlencode(base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret))).
const crypto = global.get('crypto');
let url = msg.target.address;
if (msg.target.secret) {
  const timestamp = Date.now();
  const sign = crypto.createHmac('sha256', msg.target.secret).update(`${timestamp}\n${msg.target.secret}`).digest('base64');
  url += `${url.includes('?') ? '&' : '?'}timestamp=${timestamp}&sign=${encodeURIComponent(sign)}`;
}
msg.url = url;
msg.headers = { 'content-type': 'application/json' };
msg.payload = JSON.stringify({ msgtype: 'markdown', markdown: { title: msg.notice.title, text: msg.notice.markdown } });
return msg;
