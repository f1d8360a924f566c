import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../../infra/local/ports';

export interface RunningStack {
  baseUrl: string;
  simUrl: string;
  output(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Starts the real local runtime exactly as `npm start` does (after its console build), on free
 * ports and a fresh temporary data folder, and waits until it has announced the EHR seed.
 */
export async function startStack(timeoutMs = 90_000): Promise<RunningStack> {
  const port = await freePort();
  const simPort = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sidecar-e2e-'));
  let log = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), SIDECAR_EHR_SIM_PORT: String(simPort), SIDECAR_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + timeoutMs;
  while (!/announced its seed/.test(log)) {
    if (child.exitCode !== null) throw new Error(`The stack exited early:\n${log.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`The stack did not start within ${timeoutMs} ms:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    simUrl: `http://127.0.0.1:${simPort}`,
    output: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
