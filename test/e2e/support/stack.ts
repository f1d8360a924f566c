import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_LOCAL_PASSWORD, LOCAL_PASSWORD_ENV } from '../../../infra/local/oidc/accounts';
import { freePort } from '../../../infra/local/ports';
import { ENV } from '../../../shared/config/env-names';

export interface RunningStack {
  /** Console, /api and /webhooks (one port). */
  baseUrl: string;
  /** The EHR simulator: control API, FHIR, chart pages, SMART authorization server. */
  simUrl: string;
  /** The embedded OpenID Connect provider (the issuer URL). */
  oidcUrl: string;
  /** The password every seeded account signs in with. */
  password: string;
  output(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Starts the real local runtime exactly as `npm start` does (after its console build), on free
 * ports (console, EHR simulator, sign-in provider; all on 127.0.0.1) and a fresh temporary data
 * folder, and waits until it has announced the EHR seed. Settings a developer may have exported
 * (public URL, local password, the simulator's webhook secret) are overridden or removed, so the
 * stack is the same on every machine.
 */
export async function startStack(timeoutMs = 90_000): Promise<RunningStack> {
  // A port found free can be taken before the stack binds it (the stack's own DynamoDB Local asks
  // the OS for a free port too), so a start that lost that race is retried on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce(timeoutMs);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTakenError)) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startStackOnce(timeoutMs: number): Promise<RunningStack> {
  const port = await freePort();
  const simPort = await freePort();
  const oidcPort = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sidecar-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [ENV.port]: String(port),
    [ENV.ehrSimulatorPort]: String(simPort),
    [ENV.oidcPort]: String(oidcPort),
    [ENV.dataDir]: dataDir,
    [LOCAL_PASSWORD_ENV]: DEFAULT_LOCAL_PASSWORD,
    [ENV.logLevel]: 'WARN',
  };
  delete env[ENV.publicUrl];
  delete env[`${ENV.webhookSecretPrefix}EHR_SIM`];

  let log = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + timeoutMs;
  while (!/announced its seed/.test(log)) {
    if (child.exitCode !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      const message = `The stack exited early:\n${log.slice(-4000)}`;
      throw /is not free/.test(log) ? new PortTakenError(message) : new Error(message);
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`The stack did not start within ${timeoutMs} ms:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    simUrl: `http://127.0.0.1:${simPort}`,
    oidcUrl: `http://127.0.0.1:${oidcPort}`,
    password: DEFAULT_LOCAL_PASSWORD,
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
