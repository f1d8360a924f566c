import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';

/** The only interface Sidecar's local servers listen on. */
export const LOOPBACK = '127.0.0.1';

/**
 * Asks the OS for a currently free TCP port on 127.0.0.1 (listen on port 0, read it, close).
 * The port is free when this resolves, not reserved: a server we start ourselves should rather
 * listen on port 0 directly. This is for processes that must be told a port up front (DynamoDB Local).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('Could not read the port the OS assigned'));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

/** Starts `server` listening on a port the OS picks on 127.0.0.1 and resolves with that port. */
export async function listenOnLoopback(server: HttpServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Could not read the port the OS assigned');
  return address.port;
}
