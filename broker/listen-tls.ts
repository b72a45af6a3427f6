/**
 * MQTT over TLS (`mqtts`, port 8883 by convention) for a `VectorBroker`: each connection is served once its
 * handshake has completed (with mutual TLS, once the client certificate has been verified). Same contract as
 * `listen.ts`: loopback unless a host is given, port 0 picks a free port, `close` destroys what it accepted.
 */
import { createServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { VectorBroker } from './create-broker.ts';
import type { Socket } from 'node:net';
import { listenTracked, trackSocket, type BrokerListener } from './tracked-server.ts';

export async function listenBrokerTls(
  broker: VectorBroker,
  opts: { host?: string; port: number; tls: TlsOptions },
): Promise<BrokerListener> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server = createServer(opts.tls, (socket: TLSSocket) => {
    trackSocket(sockets, socket);
    broker.handle(socket, { address: socket.remoteAddress });
  });
  // Failed handshakes (wrong CA, no client certificate, plain MQTT on the TLS port) end here; nothing to serve.
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return listenTracked(server, sockets, { host, port: opts.port });
}
