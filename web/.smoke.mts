import { createServer } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal, ensureTables, dynamoDbLocalClientConfig } from '/work/main/infra/local/dynamodb';
import { loadConfig } from '/work/main/shared/config/config';
import { createContext } from '/work/main/shared/context';
import { insertPatient } from '/work/main/shared/patients/repository';
import { insertInboxEvent, recordConsumerState } from '/work/main/shared/inbox/repository';
import { createConsoleApp } from '/work/main/functions/console/app';

const results: string[] = [];
function check(name: string, ok: boolean, extra = '') {
  results.push(`${ok ? 'PASS' : 'FAIL'} ${name} ${extra}`);
}

const sim = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/$sim/state') {
      res.end(JSON.stringify({ scenarios: [], serviceRequests: [{ id: 'sr-1', patientId: 'p1', status: 'active', priority: 'routine', code: 'Cardiology consult', authoredOn: '2025-01-01', lastUpdated: 'x', appointment: null, hasOutcome: false }] }));
    } else if (req.url?.startsWith('/$sim/scenarios/revoke')) {
      res.statusCode = 409;
      res.end(JSON.stringify({ error: { code: 'conflict', message: 'ServiceRequest/sr-1 is revoked, not active' } }));
    } else if (req.url?.startsWith('/$sim/scenarios/')) {
      res.end(JSON.stringify({ scenario: 'new-referral', serviceRequestId: 'sr-2', patientId: 'p1', resources: ['ServiceRequest/sr-2'], deliveries: [{ webhookId: 'evt-1', status: 202, attempts: 1 }], echo: body }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
});
await new Promise<void>((r) => sim.listen(0, '127.0.0.1', () => r()));
const simUrl = `http://127.0.0.1:${(sim.address() as { port: number }).port}`;

process.env.DDB_LOCAL_TELEMETRY = '0';
const ddb = await startDynamoDbLocal({ dataDir: undefined });
try {
  const names = { records: 'w-records', inbox: 'w-inbox', audit: 'w-audit' };
  const client = new DynamoDBClient(dynamoDbLocalClientConfig(ddb.endpoint));
  await ensureTables(client, names);
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  const config = loadConfig({
    SIDECAR_RECORDS_TABLE: names.records,
    SIDECAR_INBOX_TABLE: names.inbox,
    SIDECAR_AUDIT_TABLE: names.audit,
    SIDECAR_EVENT_BUS_NAME: 'bus',
    SIDECAR_DYNAMODB_ENDPOINT: ddb.endpoint,
    SIDECAR_EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:9',
    SIDECAR_DEV_USER: 'u-casey',
    SIDECAR_EHR_SIM_URL: process.env.NO_SIM ? '' : simUrl,
    AWS_REGION: 'us-east-1',
  });
  const ctx = createContext({ config, db: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }) });
  const now = new Date().toISOString();
  await insertPatient(ctx, { id: 'pat1', name: { text: 'Zed Testpatient', given: ['Zed'], family: 'Testpatient' }, birthDate: '1950-03-04', phones: [{ value: '555-0100' }], emails: [], language: 'es', pending: false, version: 1, createdAt: now, updatedAt: now });
  await insertInboxEvent(ctx, { id: 'ev1', sourceId: 'ehr-sim', webhookId: 'wh1', receivedAt: now, kind: 'notification', notificationType: 'event-notification', status: 'published', entries: [{ resourceType: 'ServiceRequest', resourceId: 'sr-1', interaction: 'update', content: 'full-resource' }], published: { '0': 'x' }, consumers: {}, attempts: {}, ignoredEntries: 0, publishAttempts: 1 } as never, '{}');
  await recordConsumerState(ctx, { inboxId: 'ev1', entry: 0, consumerId: 'referral-update', state: 'failed', error: 'Error: boom' });

  const build = await import('/work/main/web/build/server/index.js');
  const app = createConsoleApp(ctx, build as never);
  const get = (p: string) => app.request(p);
  const post = (p: string, f: Record<string, string>) => app.request(p, { method: 'POST', body: new URLSearchParams(f), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

  let r = await get('/');
  check('/ redirects', r.status === 302 && r.headers.get('location') === '/queue', `${r.status} ${r.headers.get('location')}`);
  r = await get('/queue');
  let html = await r.text();
  check('/queue 200', r.status === 200 && html.includes('<caption>Referral queue</caption>'), String(r.status));
  check('/queue no-store', r.headers.get('cache-control') === 'private, no-store');
  check('/queue user', html.includes('Casey Coordinator') && html.includes('lang="en"'));
  r = await get('/queue?status=bogus');
  html = await r.text();
  check('/queue bad filter 400', r.status === 400, `${r.status} ${html.match(/role="alert"><p>([^<]*)/)?.[1]}`);
  r = await get('/referrals/new');
  html = await r.text();
  check('/referrals/new lists patient', r.status === 200 && html.includes('Zed Testpatient — born Mar 4, 1950'), String(r.status));
  r = await post('/referrals/new', { patientId: 'pat1', serviceDisplay: '', priority: 'routine' });
  html = await r.text();
  check('create invalid 400 + field error', r.status === 400 && html.includes('id="serviceDisplay-error"') && html.includes('aria-describedby="serviceDisplay-error serviceDisplay-hint"'), String(r.status));
  r = await post('/referrals/new', { patientId: 'pat1', serviceDisplay: 'Cardiology consult', reason: 'Chest pain', priority: 'urgent', direction: 'outbound', note: 'by phone' });
  const loc = r.headers.get('location') ?? '';
  check('create redirects', r.status === 302 && /^\/referrals\/[A-Z0-9]+\?done=create$/.test(loc), `${r.status} ${loc}`);
  const refPath = loc.split('?')[0]!;
  r = await get(loc);
  html = await r.text();
  check('referral page', r.status === 200 && html.includes('data-testid="referral-status" data-value="requested">Requested') && html.includes('The referral was created.'), String(r.status));
  check('referral has claim/accept/reject', ['>Claim<', '>Accept<', '>Reject<', '>Cancel referral<', '>Add note<'].every((s) => html.includes(s)));
  check('referral no schedule/close', !html.includes('>Schedule<') && !html.includes('>Close loop<'));
  check('ehr problem shown', html.includes('created by hand and has no EHR order'));
  check('language', html.includes('Spanish (es)'));
  const v = () => html.match(/name="version" value="(\d+)"/)?.[1] ?? '0';
  r = await post(refPath, { intent: 'claim', version: v() });
  check('claim 302', r.status === 302 && r.headers.get('location') === `${refPath}?done=claim`, String(r.status));
  r = await post(refPath, { intent: 'accept', version: '1' });
  html = await r.text();
  check('stale 409', r.status === 409 && html.includes('changed by someone else — reload'), String(r.status));
  r = await post(refPath, { intent: 'schedule', version: v(), appointmentAt: '2030-01-01T10:00', timeZone: 'UTC' });
  html = await r.text();
  check('schedule before accept 409 orphan alert', r.status === 409 && html.includes('accept it first'), String(r.status));
  r = await post(refPath, { intent: 'reject', version: v(), reason: '' });
  html = await r.text();
  check('reject w/o reason 400', r.status === 400 && html.includes('id="reject-reason-error"') && html.includes('A reason is required'), String(r.status));
  r = await get(refPath); html = await r.text();
  r = await post(refPath, { intent: 'accept', version: v() });
  check('accept 302', r.status === 302, String(r.status));
  r = await get(refPath); html = await r.text();
  check('accepted shows schedule', html.includes('>Schedule<') && html.includes('data-value="scheduling"'));
  r = await post(refPath, { intent: 'schedule', version: v(), appointmentAt: '2030-07-01T10:00', timeZone: 'America/New_York' });
  check('schedule 302', r.status === 302, String(r.status));
  r = await get(refPath); html = await r.text();
  check('schedule stored with offset', html.includes('dateTime="2030-07-01T10:00:00-04:00"'), html.match(/Appointment<\/dt><dd>(.{0,200})/)?.[1]);
  r = await post(refPath, { intent: 'no-show', version: v() });
  check('no-show 302', r.status === 302, String(r.status));
  r = await get(refPath); html = await r.text();
  r = await post(refPath, { intent: 'note', text: 'Called patient, left voicemail' });
  check('note 302', r.status === 302, String(r.status));
  r = await get(refPath); html = await r.text();
  r = await post(refPath, { intent: 'close', version: v(), outcome: '' });
  check('close w/o outcome 400', r.status === 400, String(r.status));
  r = await get(refPath); html = await r.text();
  r = await post(refPath, { intent: 'close', version: v(), outcome: 'Consult note received' });
  check('close 302', r.status === 302, String(r.status));
  r = await get(refPath); html = await r.text();
  check('loop closed', html.includes('<strong>Loop closed</strong>') && html.includes('data-value="completed"') && !html.includes('>Claim<'));
  { const t = html.slice(html.indexOf('id="timeline-title"')); check('timeline newest first', t.indexOf('Closed with an outcome') > 0 && t.indexOf('Closed with an outcome') < t.indexOf('<strong>Created<')); }
  r = await get('/referrals/NOPE123');
  html = await r.text();
  check('404 referral', r.status === 404 && html.includes('Referral not found') && html.includes('data-testid="error-status">404'), String(r.status));
  r = await get('/referrals/..%2F..');
  check('odd id 404', r.status === 404, String(r.status));
  r = await get('/patients/pat1');
  html = await r.text();
  check('patient page', r.status === 200 && html.includes('Cardiology consult') && html.includes('Loop closed'), String(r.status));
  r = await get('/queue?status=completed');
  html = await r.text();
  check('queue shows completed', html.includes('Zed Testpatient') && html.includes('data-testid="queue-row"'));
  r = await get('/events?view=failed');
  html = await r.text();
  check('events failed', r.status === 200 && html.includes('ServiceRequest/sr-1') && html.includes('Error: boom') && html.includes('>Replay<'), String(r.status));
  r = await get('/events');
  html = await r.text();
  check('events recent', r.status === 200 && html.includes('ServiceRequest/sr-1'), String(r.status));
  r = await post('/events?view=failed', { intent: 'replay', id: 'ev1', view: 'failed' });
  html = await r.text();
  check('replay -> error shown (no bus)', [302, 409, 503].includes(r.status), `${r.status} ${r.headers.get('location')} ${html.match(/class="alert" role="alert">([^<]*)/)?.[1]}`);
  r = await get('/dev');
  html = await r.text();
  check('dev page', process.env.NO_SIM ? r.status === 404 : r.status === 200 && html.includes('sr-1'), String(r.status));
  if (!process.env.NO_SIM) {
    r = await post('/dev', { scenario: 'new-referral', patientId: 'p1' });
    html = await r.text();
    check('dev scenario ok', r.status === 200 && html.includes('evt-1') && html.includes('accepted (202)'), String(r.status));
    r = await post('/dev', { scenario: 'revoke', serviceRequestId: 'sr-1' });
    html = await r.text();
    check('dev scenario 409', r.status === 409 && html.includes('is revoked, not active'), String(r.status));
    r = await post('/dev', { scenario: 'bogus' });
    check('dev bad scenario 400', r.status === 400, String(r.status));
  }
  r = await app.request('/queue?_data=routes%2Fqueue');
  check('data request', r.status === 200 && (r.headers.get('content-type') ?? '').includes('json') && r.headers.get('cache-control') === 'private, no-store', `${r.status} ${r.headers.get('content-type')}`);
  if (process.env.DUMP) console.log((await (await get(refPath)).text()));
  if (process.env.BROWSER) {
    const { serve } = await import('@hono/node-server');
    const { serveStatic } = await import('@hono/node-server/serve-static');
    const { Hono } = await import('hono');
    const outer = new Hono();
    outer.use('/assets/*', serveStatic({ root: './web/build/client' }));
    outer.route('/', app as never);
    const server = serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => setTimeout(r, 300));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext({ timezoneId: 'America/Chicago' });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text().slice(0, 300)}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      // A fresh referral to work on with JavaScript on.
      const created = await post('/referrals/new', { patientId: 'pat1', serviceDisplay: 'Dermatology consult', priority: 'stat' });
      const ref2 = (created.headers.get('location') ?? '').split('?')[0]!;
      await page.goto(`${base}/queue`);
      await page.waitForFunction(() => document.cookie.includes('sidecar_tz='));
      await page.waitForTimeout(800);
      const tzShown = await page.locator('table td time').first().textContent();
      check('browser tz applied', /CST|CDT|GMT-[56]/.test(tzShown ?? ''), tzShown ?? '');
      await page.locator('body').click({ position: { x: 1, y: 1 } });
      await page.keyboard.press('j');
      const focused = await page.evaluate(() => document.activeElement?.className);
      check('j focuses a row link', focused === 'row-link', String(focused));
      await page.goto(`${base}${ref2}`);
      await page.getByRole('button', { name: 'Claim', exact: true }).click();
      await page.waitForURL(/done=claim/);
      check('JS claim shows notice', (await page.getByRole('status').first().textContent())?.includes('You claimed') ?? false);
      await page.getByRole('button', { name: 'Reject', exact: true }).click();
      // Browser validation blocks the empty required reason: still on the page, no request.
      check('required reason blocks submit', !page.url().includes('done=reject'));
      await page.getByLabel('Reason for rejecting').fill('Out of network');
      await page.evaluate(() => { (document.querySelector('input[name="version"]') as HTMLInputElement).value = '1'; });
      await page.getByRole('button', { name: 'Reject', exact: true }).click();
      await page.getByRole('alert').first().waitFor();
      check('JS stale shows alert', (await page.getByRole('alert').first().textContent())?.includes('changed by someone else') ?? false);
      await page.getByRole('button', { name: 'Accept', exact: true }).click();
      await page.waitForURL(/done=accept/);
      await page.getByLabel('Appointment date and time').fill('2031-03-09T02:30');
      await page.getByLabel('Time zone of that time').selectOption('America/Chicago');
      await page.getByRole('button', { name: 'Schedule', exact: true }).click();
      await page.getByRole('alert').first().waitFor();
      check('DST gap rejected', (await page.getByRole('alert').first().textContent())?.includes('does not exist') ?? false, (await page.getByRole('alert').first().textContent()) ?? '');
      await page.getByLabel('Appointment date and time').fill('2031-03-10T09:15');
      await page.getByRole('button', { name: 'Schedule', exact: true }).click();
      await page.waitForURL(/done=schedule/);
      check('scheduled business status', (await page.getByTestId('business-status').textContent()) === 'Appointment booked');
      check('appointment in CDT', (await page.locator('time[datetime="2031-03-10T09:15:00-05:00"]').count()) === 1);
      await page.getByRole('button', { name: 'Close loop', exact: true }).click();
      check('close requires outcome (browser)', !page.url().includes('done=close'));
      await page.getByLabel('Outcome').fill('Seen, report received');
      await page.getByRole('button', { name: 'Close loop', exact: true }).click();
      await page.waitForURL(/done=close/);
      check('Loop closed visible', await page.getByText('Loop closed', { exact: true }).isVisible());
      await page.goto(`${base}/nope`);
      check('404 page', (await page.getByTestId('error-status').textContent()) === '404');
      await page.goto(`${base}/events?view=failed`);
      check('events replay button', await page.getByRole('button', { name: 'Replay' }).first().isVisible());
      await page.goto(`${base}/dev`);
      await page.getByRole('button', { name: 'new-referral' }).click();
      await page.getByText('accepted (202)').waitFor();
      check('dev run via JS', true);
      const noJs = await browser.newContext({ javaScriptEnabled: false });
      const p2 = await noJs.newPage();
      await p2.goto(`${base}/referrals/new`);
      await p2.getByLabel('Patient').selectOption('pat1');
      await p2.getByLabel('Service', { exact: false }).first().fill('Neurology consult');
      await p2.getByRole('button', { name: 'Create referral' }).click();
      await p2.waitForURL(/done=create/);
      check('no-JS create', (await p2.getByTestId('referral-status').textContent()) === 'Requested');
      await p2.getByRole('button', { name: 'Accept', exact: true }).click();
      await p2.waitForURL(/done=accept/);
      check('no-JS accept', (await p2.getByTestId('referral-status').textContent()) === 'Accepted');
      await p2.goto(`${base}/queue`);
      await p2.getByLabel('Queue', { exact: true }).selectOption('neurology');
      await p2.getByRole('button', { name: 'Apply filters' }).click();
      check('no-JS filter', p2.url().includes('queue=neurology') && (await p2.getByTestId('queue-row').count()) === 1, p2.url());
      check('no console problems', problems.length === 0, problems.join(' | '));
    } finally {
      await browser.close();
      server.close();
    }
  }
  client.destroy();
} finally {
  await ddb.stop();
  sim.close();
  console.log(results.join('\n'));
}
