import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { stopAll, stopChild, supervise, supervisedCount } from '../../../infra/local/processes';

jest.setTimeout(20_000);

const FIXTURE = join(__dirname, 'fixtures', 'supervised-parent.ts');
const ROOT = join(__dirname, '..', '..', '..');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

function idleNode(ignoreSigterm = false): ChildProcess {
  const script = `${ignoreSigterm ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 1000); console.log('ready');`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
}

const ready = (child: ChildProcess) => new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));

/** Leftovers are killed whatever happens, so a failing test never leaks a process. */
const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

describe('processes: supervise / stopChild / stopAll', () => {
  test('stopAll terminates every supervised child and forgets it', async () => {
    const a = idleNode();
    const b = idleNode();
    leftovers.push(a.pid as number, b.pid as number);
    supervise(a, { name: 'a' });
    supervise(b, { name: 'b' });
    await Promise.all([ready(a), ready(b)]);
    expect(supervisedCount()).toBe(2);

    await stopAll();

    expect(a.signalCode).toBe('SIGTERM');
    expect(b.signalCode).toBe('SIGTERM');
    expect(supervisedCount()).toBe(0);
  });

  test('a child that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    const stubborn = idleNode(true);
    leftovers.push(stubborn.pid as number);
    const handle = supervise(stubborn, { name: 'stubborn', graceMs: 200 });
    await ready(stubborn);

    const started = Date.now();
    await handle.stop();

    expect(stubborn.signalCode).toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  test('stopping an exited child resolves at once and is idempotent', async () => {
    const child = idleNode();
    leftovers.push(child.pid as number);
    supervise(child, { name: 'c' });
    await ready(child);
    await Promise.all([stopChild(child), stopChild(child)]);
    await stopChild(child);
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
  });
});

describe('processes: the parent going away never leaves an orphan', () => {
  /** Runs the fixture parent and resolves with its supervised child's pid once it is up. */
  function runParent(mode: string, extra: string[] = []): { parent: ChildProcess; childPid: Promise<number> } {
    const parent = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode, ...extra], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const childPid = new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          const pid = (JSON.parse(line) as { childPid: number }).childPid;
          leftovers.push(pid);
          resolve(pid);
        }
      });
      parent.once('exit', () => reject(new Error('fixture exited before its child was up')));
    });
    parent.stderr?.resume();
    return { parent, childPid };
  }

  const exitOf = (parent: ChildProcess) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (parent.exitCode !== null || parent.signalCode !== null) resolve({ code: parent.exitCode, signal: parent.signalCode });
      else parent.once('exit', (code, signal) => resolve({ code, signal }));
    });

  test.each(['SIGTERM', 'SIGINT'] as const)('%s: the child is stopped and the parent still dies of the signal', async (signal) => {
    const { parent, childPid } = runParent('wait');
    const pid = await childPid;
    expect(isAlive(pid)).toBe(true);

    parent.kill(signal);

    expect(await exitOf(parent)).toEqual({ code: null, signal });
    expect(await eventually(() => !isAlive(pid), 3_000)).toBe(true);
  });

  test('SIGTERM: a child ignoring SIGTERM is SIGKILLed after the grace period', async () => {
    const { parent, childPid } = runParent('wait', ['stubborn']);
    const pid = await childPid;
    parent.kill('SIGTERM');
    expect((await exitOf(parent)).signal).toBe('SIGTERM');
    expect(await eventually(() => !isAlive(pid), 3_000)).toBe(true);
  });

  test('process.exit(): the child is stopped synchronously', async () => {
    const { parent, childPid } = runParent('exit');
    const pid = await childPid;
    expect((await exitOf(parent)).code).toBe(0);
    expect(await eventually(() => !isAlive(pid), 3_000)).toBe(true);
  });

  test('process.exit() with a child ignoring SIGTERM: SIGKILL after the grace period', async () => {
    const { parent, childPid } = runParent('exit', ['stubborn']);
    const pid = await childPid;
    expect((await exitOf(parent)).code).toBe(0);
    expect(await eventually(() => !isAlive(pid), 3_000)).toBe(true);
  });

  test('an uncaught exception: the parent still crashes (exit code 1) and the child is stopped', async () => {
    const { parent, childPid } = runParent('throw');
    const pid = await childPid;
    expect((await exitOf(parent)).code).toBe(1);
    expect(await eventually(() => !isAlive(pid), 3_000)).toBe(true);
  });
});
