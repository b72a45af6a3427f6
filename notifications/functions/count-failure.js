// 记录失败: any node error in this flow (unreachable robot, SMTP refusal) is one failed delivery.
const stats = global.get('notifyStats') || { sent: 0, failed: 0 };
stats.failed += 1;
global.set('notifyStats', stats);
return null;
