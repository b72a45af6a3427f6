// 邮件: sent with nodemailer over SMTP_URL (smtps://… or smtp://… with STARTTLS), plain text and the same subject.
const nodemailer = global.get('nodemailer');
const transport = nodemailer.createTransport(env.get('SMTP_URL'));
try {
  const info = await transport.sendMail({
    from: env.get('NOTIFY_EMAIL_FROM'),
    to: msg.target.address,
    subject: msg.notice.title,
    text: msg.notice.text,
    headers: { 'X-VectorWatch-Alert': msg.alert.id, 'X-VectorWatch-Event': String(msg.event.eventId) },
  });
  const stats = global.get('notifyStats') || { sent: 0, failed: 0 };
  stats.sent += 1;
  global.set('notifyStats', stats);
  node.log(`email: sent alert ${msg.alert.id} event ${msg.event.eventId} (${msg.event.transition}) to ${msg.target.address}: ${info.response}`);
  return null;
} finally {
  transport.close();
}
