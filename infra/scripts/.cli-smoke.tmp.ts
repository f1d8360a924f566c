import { execFileSync } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, ensureTables, startDynamoDbLocal } from '/work/main/infra/local/dynamodb';
import { startSecretsManagerStandIn } from '/work/main/infra/local/secretsmanager-standin';
import { stopAll } from '/work/main/infra/local/processes';

const dynamo = await startDynamoDbLocal({});
const tables = { records: 'smk-records', inbox: 'smk-inbox', audit: 'smk-audit' };
const admin = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS });
await ensureTables(admin, tables);
admin.destroy();
const sm = await startSecretsManagerStandIn();
const env = { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', SIDECAR_RECORDS_TABLE: 'smk-records', SIDECAR_INBOX_TABLE: 'smk-inbox', SIDECAR_AUDIT_TABLE: 'smk-audit', SIDECAR_EVENT_BUS_NAME: 'b', SIDECAR_DYNAMODB_ENDPOINT: dynamo.endpoint, SIDECAR_SECRETS_MANAGER_ENDPOINT: sm.endpoint, POWERTOOLS_LOG_LEVEL: 'SILENT' };
const run = (...args: string[]) => {
  try { process.stdout.write(`$ ${args.join(' ')}\n${execFileSync('npx', ['tsx', '/work/main/infra/scripts/webhook-source.ts', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })}`); }
  catch (e: any) { process.stdout.write(`$ ${args.join(' ')}\n[exit ${e.status}] ${e.stdout}${e.stderr}`); }
};
run('create', 'st-elsewhere', '--name', 'St Elsewhere EHR', '--fhir-base-url', 'https://ehr.example/fhir/R4');
run('create', 'st-elsewhere', '--name', 'again');
run('rotate', 'st-elsewhere', '--overlap-minutes', '15');
run('rotate', 'st-elsewhere', '--overlap-minutes', '0');
run('disable', 'st-elsewhere');
run('list');
run('enable', 'st-elsewhere');
run('enable', 'nope');
run('create', 'BAD');
run('list');
await sm.stop();
await dynamo.stop();
await stopAll();
