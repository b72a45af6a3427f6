/**
 * Slow, salted hashing of people's passwords with scrypt (node:crypto; no native addon). People choose guessable
 * passwords, so a stolen table must cost an attacker real work per guess: RFC 7914 §2 recommends N = 2^20 for
 * files and 2^14–2^15 for interactive logins; we use N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s). The parameters are
 * stored with each hash, so raising them later re-hashes at the next login.
 * (Device secrets and API tokens are random 256-bit strings and use a fast hash: see registry.ts.)
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, base64url. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export interface PasswordCheck {
  ok: boolean;
  /** The stored hash uses weaker parameters than `params`: store a fresh hash. */
  rehash: boolean;
}

export async function verifyPassword(password: string, stored: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<PasswordCheck> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return { ok: false, rehash: false };
  const used = { N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), used);
  const ok = expected.length === actual.length && timingSafeEqual(expected, actual);
  return { ok, rehash: ok && (used.N < params.N || used.r < params.r || used.p < params.p) };
}

/** A hash of a random password, to spend the same time on an unknown username as on a known one. */
let decoy: Promise<string> | undefined;
export function decoyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString('base64url'), params);
  return decoy;
}

/** 15 random characters from an alphabet without look-alikes (0/O, 1/l/I): ~85 bits, easy to type from a banner. */
export function generatePassword(length = 15): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
  }
  return out.length === length ? out : generatePassword(length);
}
