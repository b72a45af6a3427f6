/**
 * TCP listener for a `VectorBroker` (aedes' `createServer(aedes.handle)` pattern). Binds loopback unless told
 * otherwise: nothing is public by default. Port 0 picks a free port (tests).
 */
import { createServer, type Socket } from 'node:net';
import type { VectorBroker } from './create-broker.ts';
import { listenTracked, trackSocket, type BrokerListener } from './tracked-server.ts';

export type { BrokerListener };

export async function listenBroker(broker: VectorBroker, opts: { host?: string; port: number }): Promise<BrokerListener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    trackSocket(sockets, socket);
    broker.handle(socket);
  });
  return listenTracked(server, sockets, { host: opts.host ?? '127.0.0.1', port: opts.port });
}
