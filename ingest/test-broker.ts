/** A real aedes broker over TCP on loopback for the ingest tests (port 0 unless a port is asked for). */
import { createServer, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';

export interface TestBroker {
  aedes: Aedes;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startTestBroker(opts: { port?: number; aedes?: Partial<AedesOptions> } = {}): Promise<TestBroker> {
  const aedes = await Aedes.createBroker(opts.aedes);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    aedes,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `check` returns true (or throws the last failure after `timeoutMs`). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, label = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves when some client subscribes to `topic` (create it before the subscriber connects). */
export function subscribed(aedes: Aedes, topic: string): Promise<void> {
  return new Promise((resolve) => {
    const onSubscribe = (subs: { topic: string }[]) => {
      if (!subs.some((s) => s.topic === topic)) return;
      aedes.off('subscribe', onSubscribe);
      resolve();
    };
    aedes.on('subscribe', onSubscribe);
  });
}
