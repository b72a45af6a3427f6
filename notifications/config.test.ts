import { describe, expect, it } from 'vitest';
import { loadNotifierConfig, NotifierConfigError, parseTargets, routesOf } from './config.ts';

const base = { MQTT_URL: 'mqtt://broker:1883', MQTT_SERVICE_PASSWORD: 'service-secret-0123456789' };

describe('notifier configuration', () => {
  it('parses targets for every district and for one district, keeping query strings and taking the fragment as the secret', () => {
    expect(
      parseTargets('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=AAA,  yuexiu=https://oapi.dingtalk.com/robot/send?access_token=BBB#SECxyz', 'url'),
    ).toEqual([
      { district: null, address: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=AAA' },
      { district: 'yuexiu', address: 'https://oapi.dingtalk.com/robot/send?access_token=BBB', secret: 'SECxyz' },
    ]);
    expect(parseTargets('cdc@example.cn tianhe=aiweiban@example.cn', 'email')).toEqual([
      { district: null, address: 'cdc@example.cn' },
      { district: 'tianhe', address: 'aiweiban@example.cn' },
    ]);
    expect(parseTargets(undefined, 'url')).toEqual([]);
  });

  it('has safe defaults: no channel, loopback listener, editor off, the transitions that notify', () => {
    const c = loadNotifierConfig(base);
    expect(routesOf(c)).toEqual({
      wecom: { minSeverity: 'minor', targets: [] },
      dingtalk: { minSeverity: 'minor', targets: [] },
      email: { minSeverity: 'major', targets: [] },
      webhook: { minSeverity: 'info', targets: [] },
    });
    expect(c).toMatchObject({ NODE_RED_HOST: '127.0.0.1', NODE_RED_PORT: 1880 });
    expect(c.NODE_RED_ADMIN_PASSWORD).toBeUndefined();
    expect(c.NOTIFY_TRANSITIONS).toEqual(['opened', 'escalated', 'acknowledged', 'resolved']);
  });

  it.each([
    ['MQTT_URL', 'not a url'],
    ['MQTT_SERVICE_PASSWORD', 'short'],
    ['NOTIFY_WECOM_URL', 'ftp://example.cn/x'],
    ['NOTIFY_DINGTALK_URL', 'yuexiu=notaurl'],
    ['NOTIFY_EMAIL_TO', 'not-an-address'],
    ['NOTIFY_WECOM_MIN_SEVERITY', 'urgent'],
    ['NOTIFY_TRANSITIONS', 'opened,exploded'],
    ['NOTIFY_WEBHOOK_SECRET', 'short'],
    ['NODE_RED_ADMIN_PASSWORD', 'short'],
  ])('a bad %s=%s stops with an error naming the key', (key, value) => {
    expect(() => loadNotifierConfig({ ...base, [key]: value })).toThrow(new RegExp(`^Invalid notifier configuration:\\n  ${key}:`));
  });

  it('requires SMTP when e-mail recipients are configured', () => {
    expect(() => loadNotifierConfig({ ...base, NOTIFY_EMAIL_TO: 'cdc@example.cn' })).toThrow(NotifierConfigError);
    expect(() => loadNotifierConfig({ ...base, NOTIFY_EMAIL_TO: 'cdc@example.cn', SMTP_URL: 'smtps://u:p@smtp.example.cn:465', NOTIFY_EMAIL_FROM: 'vw@example.cn' })).not.toThrow();
  });
});
