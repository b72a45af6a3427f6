import { PassThrough, Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { FrameScanner, guardFrames } from './frame-guard.ts';

const publish = (payloadBytes: number): Buffer =>
  mqttPacket.generate({ cmd: 'publish', topic: 'devices/rs-001/telemetry', payload: Buffer.alloc(payloadBytes, 0x61), qos: 0, dup: false, retain: false });
const pingreq = (): Buffer => mqttPacket.generate({ cmd: 'pingreq' });

describe('FrameScanner', () => {
  it('passes packets at or under the limit and reports the first one above it', () => {
    const ok = publish(100);
    const scanner = new FrameScanner(ok.length);
    expect(scanner.scan(Buffer.concat([ok, pingreq(), ok]))).toBeNull();
    const big = publish(101);
    expect(scanner.scan(big)).toBe(big.length);
  });

  it('decides on the header alone: 5 bytes of a 200 MiB packet are enough', () => {
    // type byte + 4-byte remaining length announcing 200 MiB; no body follows.
    const header = Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64]);
    expect(new FrameScanner(1024).scan(header)).toBe(1 + 4 + 0x64 * 128 ** 3);
  });

  it('is indifferent to how the stream is cut into chunks', () => {
    const stream = Buffer.concat([publish(300), pingreq(), publish(5), publish(2000), publish(10)]);
    const limit = publish(300).length;
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const scanner = new FrameScanner(limit);
      let found: number | null = null;
      for (let i = 0; i < stream.length && found === null; i += size) found = scanner.scan(stream.subarray(i, i + size));
      expect(found, `chunks of ${size}`).toBe(publish(2000).length);
    }
  });

  it('stops scanning at a malformed length and leaves it to the MQTT parser', () => {
    const scanner = new FrameScanner(10);
    expect(scanner.scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBeNull();
    expect(scanner.scan(publish(1000))).toBeNull();
  });
});

/** Two ends of an in-memory socket. */
function socketPair(): { client: PassThrough; server: Duplex; toClient: Buffer[] } {
  const client = new PassThrough();
  const toClient: Buffer[] = [];
  const server = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      toClient.push(chunk);
      cb();
    },
  });
  client.on('data', (c: Buffer) => server.push(c));
  client.on('end', () => server.push(null));
  return { client, server, toClient };
}

describe('guardFrames', () => {
  it('passes bytes both ways unchanged', async () => {
    const { client, server, toClient } = socketPair();
    const guarded = guardFrames(server, { maxPacketBytes: 1024, onOversized: () => {} });
    const received: Buffer[] = [];
    guarded.on('data', (c: Buffer) => received.push(c));
    const bytes = Buffer.concat([publish(100), pingreq()]);
    client.write(bytes);
    guarded.write(Buffer.from('reply'));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(received)).toEqual(bytes);
    expect(Buffer.concat(toClient).toString()).toBe('reply');
  });

  it('writes the chunks of one cork to the socket in one write, in order', async () => {
    const { server, toClient } = socketPair();
    const guarded = guardFrames(server, { maxPacketBytes: 1024, onOversized: () => {} });
    const acks = [1, 2, 3, 4].map((messageId) => mqttPacket.generate({ cmd: 'puback', messageId }));
    guarded.cork();
    for (const ack of acks) guarded.write(ack);
    process.nextTick(() => guarded.uncork());
    await new Promise((r) => setImmediate(r));
    expect(toClient).toHaveLength(1);
    expect(toClient[0]).toEqual(Buffer.concat(acks));
    guarded.write(Buffer.from('next'));
    await new Promise((r) => setImmediate(r));
    expect(toClient.map((c) => c.toString('latin1')).at(-1)).toBe('next');
  });

  it('destroys the connection on an oversized header, reporting its size, and forwards none of it', async () => {
    const { client, server } = socketPair();
    const announced: number[] = [];
    const guarded = guardFrames(server, { maxPacketBytes: 1024, onOversized: (n) => announced.push(n) });
    const received: Buffer[] = [];
    guarded.on('data', (c: Buffer) => received.push(c));
    const closed = new Promise((r) => guarded.once('close', r));
    client.write(pingreq());
    await new Promise((r) => setImmediate(r));
    client.write(publish(5000).subarray(0, 6));
    await closed;
    expect(announced).toEqual([publish(5000).length]);
    expect(server.destroyed).toBe(true);
    expect(Buffer.concat(received)).toEqual(pingreq());
  });

  it('applies backpressure: the socket is paused while the reader is not reading', async () => {
    const { client, server } = socketPair();
    const guarded = guardFrames(server, { maxPacketBytes: 1 << 20, onOversized: () => {} });
    guarded.pause();
    for (let i = 0; i < 20; i++) client.write(publish(10_000));
    await new Promise((r) => setImmediate(r));
    expect(server.isPaused()).toBe(true);
    guarded.resume();
    await new Promise((r) => setImmediate(r));
    expect(server.isPaused()).toBe(false);
  });

  it('closes when the socket closes', async () => {
    const { server } = socketPair();
    const guarded = guardFrames(server, { maxPacketBytes: 1024, onOversized: () => {} });
    const closed = new Promise((r) => guarded.once('close', r));
    server.destroy();
    await closed;
    expect(guarded.destroyed).toBe(true);
  });
});
