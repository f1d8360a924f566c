/**
 * Registers an EHR as a webhook source, on AWS or locally, until the admin console (issue 3) does:
 *
 *   npm run webhook-source -- put <source-id> --name "St Elsewhere EHR" \
 *     [--fhir-base-url https://ehr.example/fhir/R4] [--ehr-ui-base-url https://ehr.example/chart] \
 *     --records-table <RecordsTableName output of the stack> [--endpoint http://127.0.0.1:8000]
 *
 * Generates a Standard Webhooks secret and prints it once: give it to the EHR's integration
 * engineer over a secure channel. Uses the default AWS credential chain and AWS_REGION.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createContext } from '../../shared/context';
import { putWebhookSource, ZSourceId } from '../../shared/webhooks/sources';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    'fhir-base-url': { type: 'string' },
    'ehr-ui-base-url': { type: 'string' },
    'records-table': { type: 'string' },
    endpoint: { type: 'string' },
    help: { type: 'boolean' },
  },
});

const [command, id] = positionals;
if (values.help || command !== 'put' || !id || !values.name || !values['records-table']) {
  process.stdout.write('usage: npm run webhook-source -- put <source-id> --name NAME --records-table TABLE [--fhir-base-url URL] [--ehr-ui-base-url URL] [--endpoint URL]\n');
  process.exit(values.help ? 0 : 2);
}
const sourceId = ZSourceId.safeParse(id);
if (!sourceId.success) {
  process.stderr.write('The source id must be lower-case letters, digits and dashes.\n');
  process.exit(2);
}

const ctx = createContext({
  config: {
    region: process.env.AWS_REGION ?? 'us-east-1',
    tables: { records: values['records-table'], inbox: 'unused', audit: 'unused' },
    eventBusName: 'unused',
    endpoints: values.endpoint ? { dynamoDb: values.endpoint } : {},
    inboxRetentionDays: 30,
  },
});
const secret = `whsec_${randomBytes(32).toString('base64')}`;
await putWebhookSource(ctx, {
  id: sourceId.data,
  name: values.name,
  enabled: true,
  secrets: [{ secret, addedAt: new Date().toISOString() }],
  ...(values['fhir-base-url'] ? { fhirBaseUrl: values['fhir-base-url'] } : {}),
  ...(values['ehr-ui-base-url'] ? { ehrUiBaseUrl: values['ehr-ui-base-url'] } : {}),
});
process.stdout.write(`Source "${sourceId.data}" saved. Its webhook URL is <Sidecar URL>/webhooks/ehr/${sourceId.data}\nSecret (shown once): ${secret}\n`);
