/**
 * MQTT over WebSocket over TLS (`wss://host:8884/mqtt`) for a `VectorBroker`, as aedes documents it
 * (node_modules/aedes/docs/Examples.md, "MQTT server over WebSocket"): an HTTPS server, a `ws` server on the
 * path `/mqtt` (mqtt.js's default), and each socket turned into a Duplex with `createWebSocketStream`.
 *
 * `maxPayload` caps a WebSocket message at the MQTT packet limit, so `ws` refuses an oversized frame before
 * buffering it (its default is 100 MiB); the broker's frame guard then checks the MQTT packets inside. The
 * client address is the TCP peer: `X-Forwarded-For` is not trusted (behind a proxy, every client has the
 * proxy's address — see docs/security.md).
 */
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { VectorBroker } from './create-broker.ts';
import { listenTracked, trackSocket, type BrokerListener } from './tracked-server.ts';
import { TLS_HANDSHAKE_TIMEOUT_MS } from './tls.ts';

export const WSS_PATH = '/mqtt';

export async function listenBrokerWss(
  broker: VectorBroker,
  opts: { host?: string; port: number; tls: TlsOptions; maxPacketBytes: number },
): Promise<BrokerListener> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server = createServer({ ...opts.tls, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS });
  server.on('connection', (socket: Socket) => trackSocket(sockets, socket));
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  // Anything but the WebSocket upgrade on /mqtt gets a 404; the server has no other pages.
  server.on('request', (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect to wss://…/mqtt\n');
  });
  const wss = new WebSocketServer({ server, path: WSS_PATH, maxPayload: opts.maxPacketBytes });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    // A protocol error from `ws` (e.g. a frame above maxPayload) destroys the stream; aedes cleans up on close.
    stream.on('error', () => {});
    broker.handle(stream, { address: req.socket.remoteAddress });
  });
  return listenTracked(server, sockets, {
    host,
    port: opts.port,
    beforeClose: () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  });
}
