// 企业微信群机器人: markdown message POSTed to the robot's webhook URL (content ≤ 4096 bytes).
let content = msg.notice.markdown;
while (Buffer.byteLength(content, 'utf8') > 4000) content = content.slice(0, -50);
msg.url = msg.target.address;
msg.headers = { 'content-type': 'application/json' };
msg.payload = JSON.stringify({ msgtype: 'markdown', markdown: { content } });
return msg;
