/**
 * Maximum MQTT packet size, enforced before the packet is buffered. aedes 1.2 has no frame limit: its parser
 * (mqtt-packet) keeps appending bytes until a packet's whole remaining length has arrived, so one CONNECT or
 * PUBLISH announcing 256 MiB makes the broker hold 256 MiB. This wrapper sits between the socket and aedes,
 * reads each fixed header as it passes (MQTT 3.1.1 §2.2: one type byte, then the remaining length as a
 * variable byte integer of at most 4 bytes, §2.2.3) and destroys the connection as soon as a header
 * announces more than the limit — after at most 5 bytes of that packet, none of which reach aedes.
 *
 * Everything else is passed through unchanged: writes go straight to the socket (the chunks of one cork as one
 * write), reads are pushed with backpressure (the socket is paused while aedes is not reading). A malformed
 * length (a 5th continuation byte) is passed on for aedes' parser to reject, and scanning stops.
 */
import { Duplex } from 'node:stream';

export interface FrameGuardOptions {
  /** Largest whole packet (fixed header + remaining length) accepted, in bytes. */
  maxPacketBytes: number;
  /** Called once, before the connection is destroyed, with the size the offending header announced. */
  onOversized: (announcedBytes: number) => void;
}

type ScanState =
  | { at: 'type' }
  | { at: 'length'; value: number; multiplier: number; bytes: number }
  | { at: 'body'; remaining: number }
  | { at: 'unscanned' };

/**
 * Scans a byte stream of MQTT packets. `scan` returns the announced size of the first packet above the limit
 * found in `chunk`, or null. Pure state machine, exported for tests.
 */
export class FrameScanner {
  readonly #max: number;
  #state: ScanState = { at: 'type' };

  constructor(maxPacketBytes: number) {
    this.#max = maxPacketBytes;
  }

  scan(chunk: Uint8Array): number | null {
    let i = 0;
    while (i < chunk.length) {
      const s = this.#state;
      switch (s.at) {
        case 'unscanned':
          return null;
        case 'type':
          i += 1;
          this.#state = { at: 'length', value: 0, multiplier: 1, bytes: 0 };
          break;
        case 'length': {
          const byte = chunk[i++]!;
          const value = s.value + (byte & 0x7f) * s.multiplier;
          const bytes = s.bytes + 1;
          if (byte & 0x80) {
            this.#state = bytes === 4 ? { at: 'unscanned' } : { at: 'length', value, multiplier: s.multiplier * 128, bytes };
            break;
          }
          const total = 1 + bytes + value;
          if (total > this.#max) return total;
          this.#state = value === 0 ? { at: 'type' } : { at: 'body', remaining: value };
          break;
        }
        case 'body': {
          const take = Math.min(s.remaining, chunk.length - i);
          i += take;
          this.#state = take === s.remaining ? { at: 'type' } : { at: 'body', remaining: s.remaining - take };
          break;
        }
      }
    }
    return null;
  }
}

/** Wraps `socket` so that no packet above `maxPacketBytes` ever reaches the reader. */
export function guardFrames(socket: Duplex, opts: FrameGuardOptions): Duplex {
  const scanner = new FrameScanner(opts.maxPacketBytes);
  let pendingWrite: ((err?: Error | null) => void) | undefined;

  const guarded: Duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed) {
        callback();
        return;
      }
      if (socket.write(chunk)) callback();
      else pendingWrite = callback;
    },
    // aedes writes each packet with its own `write` inside a cork (mqtt-packet uncorks on the next tick), so the
    // PUBACKs of a group commit arrive here together: one socket write for all of them, not a syscall each
    // (`writeBuffer` was ~9 % of the broker process at 10,000 readings/s without this, issue 7).
    writev(chunks: { chunk: Buffer }[], callback) {
      if (socket.destroyed) {
        callback();
        return;
      }
      const data = chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk));
      if (socket.write(data)) callback();
      else pendingWrite = callback;
    },
    final(callback) {
      socket.end(() => callback());
    },
    destroy(err, callback) {
      socket.destroy();
      const waiting = pendingWrite;
      pendingWrite = undefined;
      waiting?.();
      callback(err);
    },
  });

  socket.on('data', (chunk: Buffer) => {
    if (guarded.destroyed) return;
    const oversized = scanner.scan(chunk);
    if (oversized !== null) {
      opts.onOversized(oversized);
      guarded.destroy();
      return;
    }
    if (!guarded.push(chunk)) socket.pause();
  });
  socket.on('drain', () => {
    const waiting = pendingWrite;
    pendingWrite = undefined;
    waiting?.();
  });
  socket.on('end', () => guarded.push(null));
  socket.on('error', (err) => guarded.destroy(err));
  socket.on('close', () => guarded.destroy());
  return guarded;
}
