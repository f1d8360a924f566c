import { parseArgs } from 'node:util';
import { ENV } from '../../../shared/config/env-names';
import { CONTROL_PATHS, DEFAULT_SIMULATOR_URL, isScenarioName, SCENARIOS } from './catalogue';

/**
 * `npm run ehr -- <command>`: drives a running EHR simulator through its control API. Kept apart
 * from cli.ts (the entry point) so tests can run it with their own output streams and env.
 * Prints ids and states only, never patient data.
 */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** Per request; a scenario waits for its webhook deliveries, retries included. */
  timeoutMs?: number;
}

interface DeliveryJson {
  webhookId: string;
  status: number;
  attempts: number;
}

export function usage(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.name.length), 'state'.length);
  const pad = (s: string) => s.padEnd(width + 2);
  return [
    'Usage: npm run ehr -- <command> [--service-request ID] [--patient ID] [--url URL] [--json]',
    '',
    'Scenarios (each changes the simulated EHR and sends Sidecar a signed webhook):',
    ...SCENARIOS.map((s) => `  ${pad(s.name)}${s.description}\n  ${pad('')}default target: ${s.defaultTarget}`),
    '',
    'Other commands:',
    `  ${pad('state')}List the simulator's referrals with their appointment and outcome.`,
    `  ${pad('seed')}Announce the seeded patients and referrals to Sidecar again (duplicates are ignored).`,
    `  ${pad('health')}Check that the simulator is running.`,
    '',
    'Options:',
    '  -s, --service-request ID   the referral (ServiceRequest id) to act on',
    '  -p, --patient ID           the patient (new-referral, discharge; narrows the default target of the others)',
    `  --url URL                  the simulator (default: $${ENV.ehrSimulatorUrl}, else ${DEFAULT_SIMULATOR_URL})`,
    '  --json                     print the raw JSON answer',
    '  -h, --help                 this help',
  ].join('\n');
}

class CliError extends Error {}

async function call(baseUrl: string, path: string, init: RequestInit, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, baseUrl), { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'did not answer in time' : 'is not reachable';
    throw new CliError(
      `The EHR simulator at ${baseUrl} ${reason}. Start it (npm start starts it too) or point --url / ${ENV.ehrSimulatorUrl} at it.`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new CliError(`Unexpected answer from ${baseUrl} (HTTP ${response.status}); is that the EHR simulator?`);
  }
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message;
    throw new CliError(`The simulator refused: ${message ?? `HTTP ${response.status}`} (HTTP ${response.status})`);
  }
  return body;
}

const ok = (d: DeliveryJson) => d.status >= 200 && d.status < 300;
const describe = (d: DeliveryJson) =>
  `  webhook ${d.webhookId} → ${d.status === 0 ? 'Sidecar not reachable' : `HTTP ${d.status}`}${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`;

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'service-request': { type: 'string', short: 's' },
        patient: { type: 'string', short: 'p' },
        url: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : 'Invalid arguments'}\n\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(usage());
    return 0;
  }
  const [command, ...extra] = positionals;
  if (command === undefined || extra.length > 0) {
    io.err(`${command === undefined ? 'Missing command.' : `Unexpected argument: ${extra.join(' ')}`}\n\n${usage()}`);
    return 2;
  }
  const baseUrl = values.url ?? (io.env[ENV.ehrSimulatorUrl] || DEFAULT_SIMULATOR_URL);
  try {
    new URL(baseUrl);
  } catch {
    io.err(`Not a URL: ${baseUrl}`);
    return 2;
  }
  const timeoutMs = io.timeoutMs ?? 120_000;

  try {
    if (command === 'health') {
      const health = await call(baseUrl, CONTROL_PATHS.health, {}, timeoutMs);
      io.out(values.json ? JSON.stringify(health, null, 2) : `EHR simulator at ${baseUrl} is running.`);
      return 0;
    }
    if (command === 'state') {
      const state = (await call(baseUrl, CONTROL_PATHS.state, {}, timeoutMs)) as {
        serviceRequests: {
          id: string;
          patientId?: string;
          status?: string;
          priority?: string;
          code?: string;
          appointment: { id: string; status: string } | null;
          hasOutcome: boolean;
        }[];
      };
      if (values.json) {
        io.out(JSON.stringify(state, null, 2));
        return 0;
      }
      io.out(`${state.serviceRequests.length} referrals (newest first):`);
      for (const sr of state.serviceRequests) {
        const appointment = sr.appointment ? `appointment ${sr.appointment.status}` : 'no appointment';
        io.out(
          `  ServiceRequest/${sr.id}  ${sr.status ?? '?'}  ${sr.priority ?? ''}  Patient/${sr.patientId ?? '?'}  ${sr.code ?? ''}  ${appointment}${sr.hasOutcome ? '  outcome received' : ''}`,
        );
      }
      return 0;
    }
    if (command === 'seed') {
      const seed = (await call(baseUrl, CONTROL_PATHS.publishSeed, { method: 'POST' }, timeoutMs)) as {
        patients: number;
        serviceRequests: number;
        accepted: number;
        deliveries: DeliveryJson[];
      };
      if (values.json) io.out(JSON.stringify(seed, null, 2));
      else io.out(`Announced ${seed.patients} patients and ${seed.serviceRequests} referrals: ${seed.accepted}/${seed.deliveries.length} accepted by Sidecar.`);
      const failed = seed.deliveries.filter((d) => !ok(d));
      if (failed.length > 0) {
        io.err(`Sidecar did not accept ${failed.length} deliveries:\n${failed.slice(0, 10).map(describe).join('\n')}`);
        return 1;
      }
      return 0;
    }
    if (!isScenarioName(command)) {
      io.err(`Unknown command "${command}".\n\n${usage()}`);
      return 2;
    }
    const body: Record<string, string> = {};
    if (values['service-request'] !== undefined) body.serviceRequestId = values['service-request'];
    if (values.patient !== undefined) body.patientId = values.patient;
    const result = (await call(
      baseUrl,
      CONTROL_PATHS.scenario(command),
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      timeoutMs,
    )) as { scenario: string; serviceRequestId?: string; patientId?: string; resources: string[]; deliveries: DeliveryJson[] };
    if (values.json) {
      io.out(JSON.stringify(result, null, 2));
    } else {
      io.out(`${result.scenario}:${result.serviceRequestId ? ` ServiceRequest/${result.serviceRequestId}` : ''}${result.patientId ? ` (Patient/${result.patientId})` : ''}`);
      io.out(`  changed ${result.resources.join(', ')}`);
      for (const d of result.deliveries) io.out(describe(d));
    }
    const failed = result.deliveries.filter((d) => !ok(d));
    if (failed.length > 0) {
      io.err(`The EHR changed, but Sidecar did not accept ${failed.length === 1 ? 'the webhook' : `${failed.length} webhooks`}:\n${failed.map(describe).join('\n')}`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}
