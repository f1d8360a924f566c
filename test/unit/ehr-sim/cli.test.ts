import { createServer } from 'node:net';
import { runCli } from '../../../infra/local/ehr-sim/cli-main';
import { SCENARIO_NAMES, startEhrSimulator, type EhrSimulator } from '../../../infra/local/ehr-sim/simulator';
import { SECRET, startReceiver, type Receiver } from './support';

jest.setTimeout(20_000);

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env, timeoutMs: 10_000 });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run ehr (runCli)', () => {
  let receiver: Receiver;
  let sim: EhrSimulator;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startEhrSimulator({
      port: 0,
      sidecarWebhookUrl: receiver.webhookUrl,
      secret: SECRET,
      seedCount: 4,
      delivery: { baseDelayMs: 5, maxDelayMs: 10 },
    });
  });
  afterAll(async () => {
    await sim?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.respond = () => 202;
  });

  test('--help lists every scenario', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const name of SCENARIO_NAMES) expect(out).toContain(name);
    expect(out).toContain('state');
  });

  test('runs a scenario and prints what changed and what Sidecar answered', async () => {
    const { code, out, err } = await cli(['appointment-booked', '--service-request', 'sr-001-1', '--url', sim.url]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('appointment-booked: ServiceRequest/sr-001-1 (Patient/pt-001)');
    expect(out).toMatch(/changed Appointment\/\S+/);
    expect(out).toMatch(/webhook evt-\S+ → HTTP 202/);
  });

  test('finds the simulator through SIDECAR_EHR_SIM_URL and prints JSON with --json', async () => {
    const { code, out } = await cli(['new-referral', '-p', 'pt-002', '--json'], { SIDECAR_EHR_SIM_URL: sim.url });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ scenario: 'new-referral', patientId: 'pt-002', deliveries: [{ status: 202 }] });
  });

  test('state lists the referrals', async () => {
    const { code, out } = await cli(['state', '--url', sim.url]);
    expect(code).toBe(0);
    expect(out).toMatch(/ServiceRequest\/sr-001-1 +active .*appointment booked/);
  });

  test('exits non-zero with the reason when the scenario fails', async () => {
    const missing = await cli(['revoke', '-s', 'no-such-referral', '--url', sim.url]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('ServiceRequest/no-such-referral not found');

    receiver.respond = () => 400;
    const refused = await cli(['revoke', '-s', 'sr-002-1', '--url', sim.url]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Sidecar did not accept');
    expect(refused.err).toContain('HTTP 400');
  });

  test('exits non-zero with a clear message when the simulator is not running', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const port = typeof address === 'object' && address ? address.port : 9;

    const { code, err } = await cli(['revoke', '--url', `http://127.0.0.1:${port}`]);

    expect(code).toBe(1);
    expect(err).toContain(`The EHR simulator at http://127.0.0.1:${port} is not reachable`);
  });

  test('refuses an unknown command or option with the usage', async () => {
    expect((await cli(['transfer', '--url', sim.url])).code).toBe(2);
    const bad = await cli(['revoke', '--servicerequest', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Usage: npm run ehr');
    expect((await cli([])).code).toBe(2);
  });
});
