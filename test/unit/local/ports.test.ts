import { createServer } from 'node:net';
import { freePort, LOOPBACK } from '../../../infra/local/ports';

describe('freePort', () => {
  test('returns a port a server can then listen on at 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);

    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOOPBACK, () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

});
