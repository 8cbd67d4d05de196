import http from 'node:http';
import { listenOnFreePort } from './ports';

export const MB = 1024 * 1024;

/** A partner (or any) server on loopback that answers every request with `total` bytes of JSON-looking filler, and counts what it wrote. */
export async function startFloodServer(total: number, options: { declareLength?: boolean } = {}) {
  const stats = { requests: 0, bytesWritten: 0, closedEarly: 0 };
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const server = http.createServer((_req, res) => {
    stats.requests += 1;
    res.writeHead(200, { 'content-type': 'application/json', ...(options.declareLength && { 'content-length': String(total) }) });
    res.write('{"padding":"');
    let sent = 0;
    res.on('close', () => {
      if (sent < total) stats.closedEarly += 1;
    });
    // Writes as fast as the client reads (backpressure), so what was written is what the client took in.
    const pump = () => {
      while (sent < total && !res.destroyed) {
        sent += chunk.length;
        stats.bytesWritten += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('"}');
    };
    pump();
  });
  const port = await listenOnFreePort(server);
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
