/**
 * A canary for the outbound guard: an HTTP server on loopback that counts every TCP connection made to it (a refused
 * URL must never reach it, not even for a TLS handshake) and answers a JWKS-shaped body to whatever asks.
 */
import http from 'node:http';
import { listenOnFreePort } from './ports';

export async function startCanary() {
  let connections = 0;
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'));
  server.on('connection', () => connections++);
  const port = await listenOnFreePort(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type Canary = Awaited<ReturnType<typeof startCanary>>;
