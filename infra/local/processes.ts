import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Supervision of the local runtime's child processes (DynamoDB Local's `java`, the EHR simulator…)
 * so that Ctrl-C, SIGTERM, a crash or a plain exit of the parent never leaves an orphan behind.
 *
 * - `supervise(child)` registers a child; it is forgotten when it exits.
 * - SIGINT / SIGTERM / SIGHUP: every child gets SIGTERM, then SIGKILL after its grace period.
 *   If this module is the only listener for that signal, the signal is re-raised once the
 *   children are gone, so the parent still dies of it (exit code 130 / 143 as usual). If the
 *   application has its own listener, the application decides when to exit.
 *   A second signal while stopping escalates to SIGKILL at once.
 * - `exit` (also reached after an uncaught exception or unhandled rejection, and by
 *   `process.exit()`): synchronous; SIGTERM, a short synchronous wait, then SIGKILL.
 * - `uncaughtExceptionMonitor`: when nothing handles the exception (the process is about to
 *   crash), children are terminated right away. We never add an `uncaughtException` listener,
 *   which would swallow the crash.
 *
 * What cannot be covered: SIGKILL of the parent itself (no handler runs). The parent's death
 * does close the child's stdio pipes, but DynamoDB Local ignores that; use `stopAll()` paths.
 */

export interface SupervisedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after the grace period; resolves when the child has exited. */
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  /** Human-readable name for error messages (never includes data). */
  name: string;
  /** Time between SIGTERM and SIGKILL. Default 5000 ms. */
  graceMs?: number;
}

interface Entry {
  name: string;
  graceMs: number;
  stopping?: Promise<void>;
}

const DEFAULT_GRACE_MS = 5_000;
/** Upper bound of the synchronous wait in the `exit` handler (it blocks the dying process). */
const EXIT_WAIT_MS = 2_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type HandledSignal = (typeof SIGNALS)[number];

const registry = new Map<ChildProcess, Entry>();
let handlersInstalled = false;
let signalReceived = false;

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function safeKill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone: nothing to do.
  }
}

/** Registers a child so it is terminated with the parent. Returns a handle to stop it. */
export function supervise(child: ChildProcess, options: SuperviseOptions): SupervisedProcess {
  const entry: Entry = { name: options.name, graceMs: options.graceMs ?? DEFAULT_GRACE_MS };
  if (!hasExited(child)) {
    registry.set(child, entry);
    const forget = () => registry.delete(child);
    child.once('exit', forget);
    // A child that failed to spawn emits 'error' and never 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) forget();
    });
    installHandlers();
  }
  return { name: entry.name, child, stop: () => stopChild(child, entry.graceMs) };
}

/**
 * Stops one child: SIGTERM, then SIGKILL if it is still running after `graceMs`.
 * Resolves once it has exited (immediately if it already had). Safe to call repeatedly.
 */
export function stopChild(child: ChildProcess, graceMs: number = registry.get(child)?.graceMs ?? DEFAULT_GRACE_MS): Promise<void> {
  const entry = registry.get(child);
  if (entry?.stopping) return entry.stopping;
  const stopping = new Promise<void>((resolve) => {
    if (hasExited(child) || child.pid === undefined) {
      resolve();
      return;
    }
    let killTimer: NodeJS.Timeout | undefined;
    child.once('exit', () => {
      if (killTimer) clearTimeout(killTimer);
      resolve();
    });
    safeKill(child, 'SIGTERM');
    killTimer = setTimeout(() => safeKill(child, 'SIGKILL'), graceMs);
  });
  if (entry) entry.stopping = stopping;
  return stopping;
}

/** Stops every supervised child (in parallel). */
export async function stopAll(): Promise<void> {
  await Promise.all([...registry.keys()].map((child) => stopChild(child)));
}

/** How many supervised children are still running (for tests and diagnostics). */
export function supervisedCount(): number {
  return [...registry.keys()].filter((child) => !hasExited(child)).length;
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', terminateSync);
  process.on('uncaughtExceptionMonitor', () => {
    // Only when nobody handles it: then the process is about to crash.
    if (process.listenerCount('uncaughtException') === 0) terminateSync();
  });
}

function onSignal(signal: HandledSignal): void {
  const weAreAlone = process.listenerCount(signal) === 1;
  if (signalReceived) {
    // Second Ctrl-C: do not make the user wait for the grace period.
    for (const child of registry.keys()) safeKill(child, 'SIGKILL');
    if (weAreAlone) reraise(signal);
    return;
  }
  signalReceived = true;
  void stopAll().finally(() => {
    if (weAreAlone) reraise(signal);
  });
}

function reraise(signal: HandledSignal): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

/** Whether a pid is still a running process (zombies count as gone; Linux can tell them apart). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  }
  return true;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Synchronous termination for the `exit` path, where no event loop runs any more. */
function terminateSync(): void {
  const alive = [...registry.keys()].filter((child) => !hasExited(child) && child.pid !== undefined);
  if (alive.length === 0) return;
  for (const child of alive) safeKill(child, 'SIGTERM');
  const grace = Math.min(EXIT_WAIT_MS, ...alive.map((child) => registry.get(child)?.graceMs ?? DEFAULT_GRACE_MS));
  const deadline = Date.now() + grace;
  let running = alive;
  while (running.length > 0 && Date.now() < deadline) {
    sleepSync(25);
    running = running.filter((child) => isRunning(child.pid as number));
  }
  for (const child of running) safeKill(child, 'SIGKILL');
  registry.clear();
}
