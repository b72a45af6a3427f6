/**
 * Decides, before credentials are checked, whether a CONNECT may even try: temporary bans after repeated
 * authentication failures, and a cap on how often one client may connect (flapping, reconnect storms).
 *
 * - Failures are counted per (address, username) and per address, within a window of `authBanMs` that starts
 *   at the first failure. Reaching the threshold bans that key for `authBanMs`. A banned CONNECT is refused
 *   without looking at the password, so a ban is no oracle and costs no registry lookup.
 * - The per-address ban never applies to service usernames (`svc:…`): a flood of bad device logins from the
 *   host the services run on must not lock ingest out. Services still get the per-(address, username) ban.
 * - Connects per (address, username) pass a token bucket of `connectsPerMin` per minute (burst the same); this
 *   is what stops a device with the right password reconnecting hundreds of times a second (EMQX calls it
 *   flapping detection, and keys it on username and address for the same reason: emqx/emqx#18218).
 *
 * Keeping (address, username) as the unit means one misbehaving device behind a shared address (carrier NAT, a
 * private APN, a proxy) bans only itself; only many failing usernames from one address ban the address.
 * Every table is a `BoundedMap` (`maxTrackedKeys` each), so a storm of distinct usernames cannot grow memory.
 */
import { SERVICE_USERNAME_PREFIX } from '../principal.ts';
import { addressKey } from './address-key.ts';
import { BoundedMap } from './bounded-map.ts';
import { TokenBucket } from './token-bucket.ts';

export interface ConnectGateOptions {
  /** Failures of one username from one address before both are banned together; 0 turns it off. */
  authFailuresBeforeBan: number;
  /** Failures from one address (any usernames) before the address is banned; 0 turns it off. */
  authFailuresPerAddressBeforeBan: number;
  authBanMs: number;
  /** CONNECT attempts per minute per (address, username); 0 turns it off. */
  connectsPerMin: number;
  /** Bound of each table. */
  maxTrackedKeys: number;
}

/** Why a CONNECT was refused before authentication; a metric label, so values are stable. */
export type ConnectThrottle = 'auth_ban' | 'connect_rate';
export type BanScope = 'address' | 'address_username';

/** What happened at the credential check, as far as bans are concerned. */
export type CredentialOutcome = 'accepted' | 'failed' | 'neutral';

interface FailureWindow {
  failures: number;
  windowEndMs: number;
  bannedUntilMs: number;
}

/** Usernames are attacker-chosen and up to 64 KiB; keys need only tell real ids (≤ 64 chars) apart. */
const MAX_USERNAME_KEY = 128;

export class ConnectGate {
  readonly #opts: ConnectGateOptions;
  readonly #byPair: BoundedMap<string, FailureWindow>;
  readonly #byAddress: BoundedMap<string, FailureWindow>;
  readonly #connectRate: BoundedMap<string, TokenBucket>;

  constructor(opts: ConnectGateOptions) {
    this.#opts = opts;
    this.#byPair = new BoundedMap(opts.maxTrackedKeys);
    this.#byAddress = new BoundedMap(opts.maxTrackedKeys);
    this.#connectRate = new BoundedMap(opts.maxTrackedKeys);
  }

  /** Null when the CONNECT may proceed to the credential check. Takes a connect token when it may. */
  check(address: string | undefined, username: string | undefined, nowMs: number): ConnectThrottle | null {
    const addr = addressKey(address);
    const pair = pairKey(addr, username);
    if (isBanned(this.#byPair.get(pair), nowMs)) return 'auth_ban';
    const isService = (username ?? '').startsWith(SERVICE_USERNAME_PREFIX);
    if (!isService && isBanned(this.#byAddress.get(addr), nowMs)) return 'auth_ban';
    if (this.#opts.connectsPerMin > 0) {
      let bucket = this.#connectRate.get(pair);
      if (bucket === undefined) {
        bucket = new TokenBucket({ ratePerS: this.#opts.connectsPerMin / 60, burst: this.#opts.connectsPerMin }, nowMs);
      }
      this.#connectRate.set(pair, bucket);
      if (!bucket.tryTake(nowMs)) return 'connect_rate';
    }
    return null;
  }

  /** Records the credential check's outcome; returns the bans this imposed. */
  record(address: string | undefined, username: string | undefined, outcome: CredentialOutcome, nowMs: number): BanScope[] {
    const addr = addressKey(address);
    const pair = pairKey(addr, username);
    if (outcome === 'accepted') {
      this.#byPair.delete(pair);
      return [];
    }
    if (outcome === 'neutral') return [];
    const bans: BanScope[] = [];
    if (this.#fail(this.#byPair, pair, this.#opts.authFailuresBeforeBan, nowMs)) bans.push('address_username');
    if (this.#fail(this.#byAddress, addr, this.#opts.authFailuresPerAddressBeforeBan, nowMs)) bans.push('address');
    return bans;
  }

  /** Entries held across all tables: bounded by 3 × maxTrackedKeys. */
  trackedKeys(): number {
    return this.#byPair.size + this.#byAddress.size + this.#connectRate.size;
  }

  #fail(table: BoundedMap<string, FailureWindow>, key: string, threshold: number, nowMs: number): boolean {
    if (threshold <= 0) return false;
    const prev = table.get(key);
    const w: FailureWindow =
      prev === undefined || (nowMs >= prev.windowEndMs && nowMs >= prev.bannedUntilMs)
        ? { failures: 0, windowEndMs: nowMs + this.#opts.authBanMs, bannedUntilMs: 0 }
        : prev;
    w.failures += 1;
    const banned = w.failures >= threshold && w.bannedUntilMs <= nowMs;
    if (banned) {
      w.bannedUntilMs = nowMs + this.#opts.authBanMs;
      w.failures = 0;
      w.windowEndMs = w.bannedUntilMs;
    }
    table.set(key, w);
    return banned;
  }
}

const pairKey = (addr: string, username: string | undefined): string =>
  `${addr}\u0000${(username ?? '').slice(0, MAX_USERNAME_KEY)}`;

const isBanned = (w: FailureWindow | undefined, nowMs: number): boolean => w !== undefined && nowMs < w.bannedUntilMs;
