/**
 * Webhook signatures: `X-VectorWatch-Signature: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>`,
 * the scheme GitHub uses for `X-Hub-Signature-256`. Receivers must compute it over the raw bytes (before any JSON
 * parsing) and compare in constant time; `verifyWebhookSignature` is the reference (docs/alerts.md).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-VectorWatch-Signature';
export const EVENT_HEADER = 'X-VectorWatch-Event';
export const DELIVERY_HEADER = 'X-VectorWatch-Delivery';

export function signWebhookBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function verifyWebhookSignature(secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signWebhookBody(secret, rawBody));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
