/**
 * MQTT over TLS (`mqtts`, port 8883 by convention) for a `VectorBroker`: each connection is served once its
 * handshake has completed (with mutual TLS, once the client certificate has been verified). Same contract as
 * `listen.ts`: loopback unless a host is given, port 0 picks a free port, `close` destroys what it accepted.
 */
import { createServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { VectorBroker } from './create-broker.ts';
import type { BrokerListener } from './listen.ts';

export async function listenBrokerTls(
  broker: VectorBroker,
  opts: { host?: string; port: number; tls: TlsOptions },
): Promise<BrokerListener> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<TLSSocket>();
  const server = createServer(opts.tls, (socket) => {
    socket.setNoDelay(true); // as listen.ts: Nagle plus delayed ACK would hold every PUBACK ~40 ms
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket, { address: socket.remoteAddress });
  });
  // Failed handshakes (wrong CA, no client certificate, plain MQTT on the TLS port) end here; nothing to serve.
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
