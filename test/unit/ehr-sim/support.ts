import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Bundle, Parameters, Resource } from '@medplum/fhirtypes';
import { Webhook } from 'standardwebhooks';

/** A Standard Webhooks secret for tests (whsec_ + base64 of 32 bytes). */
export const SECRET = `whsec_${Buffer.from('sidecar-ehr-sim-unit-test-secret').toString('base64')}`;

export interface Received {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  /** What the receiver answered. */
  answered: number;
}

export interface Receiver {
  url: string;
  webhookUrl: string;
  received: Received[];
  /** Decides the answer for the n-th request (0-based); default 202. */
  respond: (n: number, request: Received) => number;
  close(): Promise<void>;
}

/** A tiny 127.0.0.1 HTTP server playing Sidecar's webhook endpoint. */
export async function startReceiver(sourceId = 'ehr-sim'): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'webhookUrl' | 'close'> = { received: [], respond: () => 202 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: 0 };
      request.answered = receiver.respond(receiver.received.length, request);
      receiver.received.push(request);
      res.statusCode = request.answered;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return Object.assign(receiver, {
    url,
    webhookUrl: `${url}/webhooks/ehr/${sourceId}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** Verifies a received delivery's Standard Webhooks signature and returns its JSON body. */
export function verified<T = unknown>(request: Received, secret = SECRET): T {
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
  return new Webhook(secret).verify(request.body, headers) as T;
}

/** The public R4 Backport full-resource notification example (../shared/fixtures beside the repository). */
export function fixtureNotification(): Bundle {
  const file = path.resolve(__dirname, '../../../../shared/fixtures/fhir-subscriptions/event-full-resource.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Bundle;
}

const names = (p: { name?: string }[] | undefined) => (p ?? []).map((x) => x.name);

/**
 * Checks a notification against the shape of the public example, structure by structure, and
 * returns its status parameters and focus resource. Throws (failing the test) on any difference.
 */
export function expectNotificationLike(bundle: Bundle): { status: Parameters; focus: Resource; eventNumber: number } {
  const example = fixtureNotification();
  const exampleStatus = example.entry?.[0]?.resource as Parameters;
  expect(bundle.resourceType).toBe('Bundle');
  expect(bundle.type).toBe(example.type);
  expect(bundle.meta?.profile).toEqual(example.meta?.profile);
  expect(typeof bundle.timestamp).toBe('string');
  expect(bundle.entry).toHaveLength(2);

  const [statusEntry, focusEntry] = bundle.entry ?? [];
  const status = statusEntry?.resource as Parameters;
  expect(status.resourceType).toBe('Parameters');
  expect(status.meta?.profile).toEqual(exampleStatus.meta?.profile);
  expect(statusEntry?.fullUrl).toBe(`urn:uuid:${status.id}`);
  expect(statusEntry?.request?.method).toBe('GET');
  expect(statusEntry?.response?.status).toBe('200');
  expect(names(status.parameter)).toEqual(names(exampleStatus.parameter));
  const param = (name: string) => status.parameter?.find((p) => p.name === name);
  expect(param('type')?.valueCode).toBe('event-notification');
  expect(param('status')?.valueCode).toBe('active');
  expect(statusEntry?.request?.url).toBe(`${param('subscription')?.valueReference?.reference}/$status`);

  const event = param('notification-event');
  const exampleEvent = exampleStatus.parameter?.find((p) => p.name === 'notification-event');
  expect(names(event?.part)).toEqual(names(exampleEvent?.part));
  const part = (name: string) => event?.part?.find((p) => p.name === name);
  const eventNumber = Number(part('event-number')?.valueString);
  expect(Number.isInteger(eventNumber) && eventNumber >= 1).toBe(true);
  expect(param('events-since-subscription-start')?.valueString).toBe(String(eventNumber));
  expect(Number.isNaN(Date.parse(part('timestamp')?.valueInstant ?? ''))).toBe(false);

  const focus = focusEntry?.resource as Resource;
  expect(focusEntry?.fullUrl).toBe(part('focus')?.valueReference?.reference);
  expect(focusEntry?.fullUrl?.endsWith(`/${focus.resourceType}/${focus.id}`)).toBe(true);
  expect(focusEntry?.request?.method).toMatch(/^(POST|PUT)$/);
  expect(focusEntry?.response?.status).toMatch(/^20[01]$/);
  expect(focus.meta?.versionId).toEqual(expect.any(String));
  expect(focus.meta?.lastUpdated).toEqual(expect.any(String));
  return { status, focus, eventNumber };
}
