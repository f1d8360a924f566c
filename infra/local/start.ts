/**
 * `npm start`: Sidecar on a laptop, with the same handlers as on AWS.
 * DynamoDB Local (data under SIDECAR_DATA_DIR, default .data/) · the EventBridge and Secrets
 * Manager stand-ins · an embedded OpenID Connect provider with one seeded user per role (Cognito's
 * part) · console, /api and /webhooks on one port · the EHR simulator posting signed events and
 * playing the SMART authorization server · the SMS and SES stand-ins with their outboxes (the
 * console's /outbox page) and the default bus their delivery events go to · the republish, SLA
 * breach and reminder sweeps on a timer · a movable local clock (`/_local/clock`, local-control.ts).
 * Ctrl-C stops everything.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ServerBuild } from '@remix-run/node';
import { ENV } from '../../shared/config/env-names';
import { getConfig } from '../../shared/config/config';
import { createContext } from '../../shared/context';
import { consumeEvent, recordDeadLetter } from '../../shared/inbox/consume-event';
import { republishPending } from '../../shared/inbox/republish-pending';
import { errorFields, logger } from '../../shared/logger';
import { sweepBreaches } from '../../shared/sla/breach-sweep';
import { sendDueReminders } from '../../shared/reminders/send-due-reminders';
import { recordSignIn, type Role } from '../../shared/users/directory';
import { registerWebhookSource } from '../../shared/webhooks/register-webhook-source';
import { LOCAL_CREDENTIALS, ensureTables, startDynamoDbLocal } from './dynamodb';
import { type DeadLetterFn, type DeliverFn, startEventBridgeStandIn } from './eventbridge-standin';
import { startEhrSimulator } from './ehr-sim/simulator';
import { createLocalClock } from './local-clock';
import { createLocalControlApp, LOCAL_CONTROL_PATHS } from './local-control';
import { startLocalMessaging } from './messaging';
import { DEFAULT_LOCAL_PASSWORD, LOCAL_ACCOUNTS, LOCAL_PASSWORD_ENV } from './oidc/accounts';
import { startOidcProvider } from './oidc/provider';
import { startSecretsManagerStandIn } from './secretsmanager-standin';
import { stopAll } from './processes';
import { createLocalApp, listen } from './server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_ID = 'ehr-sim';
/** Browsers reach every local piece on 127.0.0.1, so console, IdP and EHR pages are one site (cookies in the EHR's iframe). */
const HOST = '127.0.0.1';
const CONSOLE_CLIENT_ID = 'sidecar-console';
const SMART_CLIENT_ID = 'sidecar-local';
/** The API's audience in access tokens (a resource indicator: an absolute URI). */
const API_AUDIENCE = 'urn:sidecar:api';
const SWEEP_MS = 60_000;
/** Every 30 s, so a reminder goes within a minute of its time (the Lambda's schedule is every minute, and its run takes under one). */
const REMINDER_SWEEP_MS = 30_000;

function fail(message: string): never {
  process.stderr.write(`\nSidecar could not start: ${message}\n`);
  process.exit(1);
}

/** The source's webhook secret: SIDECAR_WEBHOOK_SECRET_<SOURCE> if set, else generated once into the data folder. */
function webhookSecret(dataDir: string, sourceId: string): string {
  const variable = `${ENV.webhookSecretPrefix}${sourceId.toUpperCase().replace(/-/g, '_')}`;
  const fromEnv = process.env[variable];
  if (fromEnv) {
    if (!fromEnv.startsWith('whsec_')) fail(`${variable} must start with whsec_`);
    return fromEnv;
  }
  const file = path.join(dataDir, 'webhook-secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  if (!stored[sourceId]) {
    stored[sourceId] = `whsec_${randomBytes(32).toString('base64')}`;
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return stored[sourceId];
}

async function main(): Promise<void> {
  const dataDir = path.resolve(ROOT, process.env[ENV.dataDir] || '.data');
  const port = Number(process.env[ENV.port] || 3000);
  const simPort = Number(process.env[ENV.ehrSimulatorPort] || port + 1);
  const oidcPort = Number(process.env[ENV.oidcPort] || port + 2);
  const publicUrl = (process.env[ENV.publicUrl] || `http://${HOST}:${port}`).replace(/\/$/, '');
  const password = process.env[LOCAL_PASSWORD_ENV] || DEFAULT_LOCAL_PASSWORD;
  mkdirSync(dataDir, { recursive: true });
  const serverBuildPath = path.join(ROOT, 'web/build/server/index.js');
  if (!existsSync(serverBuildPath)) fail('the console is not built; run `npm run build:web` (npm start does this for you)');

  const dynamo = await startDynamoDbLocal({ dataDir: path.join(dataDir, 'dynamodb') }).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
  const tables = { records: 'sidecar-records', inbox: 'sidecar-inbox', audit: 'sidecar-audit' };
  const admin = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS });
  await ensureTables(admin, tables);
  admin.destroy();

  let deliver: DeliverFn = async () => undefined;
  let deadLetter: DeadLetterFn = () => undefined;
  const busName = 'sidecar-local';
  const bus = await startEventBridgeStandIn({ busName, deliver: (c, e) => deliver(c, e), onDeadLetter: (c, e, err) => deadLetter(c, e, err) });
  const secretsManager = await startSecretsManagerStandIn({ file: path.join(dataDir, 'secrets-manager.json') });
  const identity = await startOidcProvider({
    port: oidcPort,
    host: HOST,
    clients: [{ clientId: CONSOLE_CLIENT_ID, redirectUris: [`${publicUrl}/auth/callback`], postLogoutRedirectUris: [`${publicUrl}/auth/signed-out`] }],
    password,
    apiAudience: API_AUDIENCE,
  }).catch((e: unknown) => fail(`the sign-in provider could not start on port ${oidcPort} (${e instanceof Error ? e.message : e}); set ${ENV.oidcPort}`));

  // One clock for Sidecar and the simulated hospital, so moving it is time passing for both.
  const clock = createLocalClock();
  const region = process.env[ENV.region] || 'us-east-1';
  const messaging = await startLocalMessaging({ dataDir, region, organizationName: process.env[ENV.organizationName] });

  const secret = webhookSecret(dataDir, SOURCE_ID);
  const sim = await startEhrSimulator({
    now: () => clock.now(),
    port: simPort,
    sidecarWebhookUrl: `http://127.0.0.1:${port}/webhooks/ehr/${SOURCE_ID}`,
    secret,
    sourceId: SOURCE_ID,
    smart: { clients: [{ clientId: SMART_CLIENT_ID, redirectUris: [`${publicUrl}/launch/callback`] }], launchUrl: `${publicUrl}/launch` },
  });

  // Configuration reaches the shared code only through its validated config, as on Lambda.
  Object.assign(process.env, {
    [ENV.region]: region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID || LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY || LOCAL_CREDENTIALS.secretAccessKey,
    [ENV.recordsTable]: tables.records,
    [ENV.inboxTable]: tables.inbox,
    [ENV.auditTable]: tables.audit,
    [ENV.eventBusName]: busName,
    [ENV.dynamoDbEndpoint]: dynamo.endpoint,
    [ENV.eventBridgeEndpoint]: bus.endpoint,
    [ENV.secretsManagerEndpoint]: secretsManager.endpoint,
    [ENV.ehrSimulatorUrl]: sim.url,
    [ENV.publicUrl]: publicUrl,
    [ENV.oidcIssuer]: identity.issuer,
    [ENV.oidcClientId]: CONSOLE_CLIENT_ID,
    [ENV.oidcApiAudience]: API_AUDIENCE,
    [ENV.smartIssuers]: JSON.stringify([{ iss: sim.fhirBaseUrl, clientId: SMART_CLIENT_ID, sourceId: SOURCE_ID }]),
    [ENV.frameAncestors]: sim.url,
    ...messaging.env,
  });
  const ctx = createContext({ config: getConfig(), clock });
  messaging.connect(ctx);
  deliver = (consumerId, event) => consumeEvent(ctx, consumerId, event);
  deadLetter = (consumerId, event, error) => recordDeadLetter(ctx, consumerId, event.detail, error instanceof Error ? error.message : 'failed');

  await registerWebhookSource(ctx, { id: SOURCE_ID, name: 'EHR simulator', secret, fhirBaseUrl: sim.fhirBaseUrl, ehrUiBaseUrl: sim.uiBaseUrl });
  // The seeded staff appear in assignment pickers before their first sign-in (on AWS the
  // directory fills as people sign in).
  for (const account of LOCAL_ACCOUNTS) await recordSignIn(ctx, { id: account.sub, name: account.name, role: account.groups[0] as Role });

  const build = (await import(pathToFileURL(serverBuildPath).href)) as ServerBuild;
  const control = createLocalControlApp({ clock, hosts: [...new Set([`${HOST}:${port}`, new URL(publicUrl).host])] });
  const app = createLocalApp(ctx, { build, clientDir: path.join(ROOT, 'web/build/client'), control });
  const server = await listen(app, port).catch((e: unknown) => fail(`port ${port} is not free (${e instanceof Error ? e.message : e}); set PORT`));

  const sweep = setInterval(() => {
    republishPending(ctx).catch((e: unknown) => logger.error('Republish sweep failed', errorFields(e)));
  }, SWEEP_MS);
  const slaSweep = setInterval(() => {
    sweepBreaches(ctx).catch((e: unknown) => logger.error('SLA breach sweep failed', errorFields(e)));
  }, SWEEP_MS);
  // One run at a time, as the Lambda's reserved concurrency of 1 makes it on AWS.
  let reminderRun: Promise<unknown> | undefined;
  const reminderSweep = setInterval(() => {
    reminderRun ??= sendDueReminders(ctx)
      .catch((e: unknown) => logger.error('Reminder sweep failed', errorFields(e)))
      .finally(() => {
        reminderRun = undefined;
      });
  }, REMINDER_SWEEP_MS);

  const base = publicUrl;
  const accounts = LOCAL_ACCOUNTS.map((a) => `      ${a.username.padEnd(8)} ${a.groups.join(', ').padEnd(12)} ${a.name}`);
  process.stdout.write(
    [
      '',
      'Sidecar is running (local runtime)',
      `  Console          ${base}/   (sign in as one of the seeded users below)`,
      `  Sign-in (OIDC)   ${identity.issuer}   password for every user: ${password === DEFAULT_LOCAL_PASSWORD ? password : `(from ${LOCAL_PASSWORD_ENV})`}`,
      ...accounts,
      `  API token        npx tsx infra/scripts/token.ts casey   (then curl -H "Authorization: Bearer …")`,
      `  API              ${base}/api     OpenAPI: ${base}/api/openapi.json`,
      `  Webhooks         ${base}/webhooks/ehr/${SOURCE_ID}`,
      `  Webhook secret   ${secret}   (source "${SOURCE_ID}"; set ${ENV.webhookSecretPrefix}EHR_SIM to choose it)`,
      `  EHR simulator    FHIR ${sim.fhirBaseUrl} · charts ${sim.uiBaseUrl} · scenarios: npm run ehr -- --help`,
      `  SMART launch     "Launch Sidecar" on any chart page (the simulator is the SMART authorization server)`,
      `  Dev page         ${base}/dev     (post EHR scenarios from the browser)`,
      `  Outbox           ${base}/outbox  (reminder texts and emails; reply to a text as the patient)`,
      `  SMS / SES        stand-ins at ${messaging.sms.endpoint} · ${messaging.ses.endpoint}   outboxes in ${dataDir}`,
      `  Clock            ${base}${LOCAL_CONTROL_PATHS.clock}   (POST {"now": "<ISO time>"} moves it forward; tests and demos)`,
      `  DynamoDB Local   ${dynamo.endpoint}   data in ${dataDir}`,
      `  EventBridge      stand-in at ${bus.endpoint} (bus ${busName})`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  sim
    .publishSeed()
    .then((r) => process.stdout.write(`EHR simulator announced its seed: ${r.accepted} of ${r.deliveries.length} deliveries accepted or already known.\n`))
    .catch((e: unknown) => logger.error('Seed publication failed', errorFields(e)));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping Sidecar…\n`);
    clearInterval(sweep);
    clearInterval(slaSweep);
    clearInterval(reminderSweep);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sim.close().catch(() => undefined);
    await identity.close().catch(() => undefined);
    await messaging.stop().catch(() => undefined);
    await secretsManager.stop().catch(() => undefined);
    await bus.stop().catch(() => undefined);
    await dynamo.stop().catch(() => undefined);
    await stopAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch(async (error: unknown) => {
  process.stderr.write(`\nSidecar failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await stopAll();
  process.exit(1);
});
