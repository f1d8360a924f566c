/**
 * Administers webhook sources (the EHRs that post events) from a shell, on AWS or locally:
 *
 *   npm run webhook-source -- create <source-id> --name "St Elsewhere EHR" \
 *     [--fhir-base-url https://ehr.example/fhir/R4] [--ehr-ui-base-url https://ehr.example/chart]
 *   npm run webhook-source -- rotate <source-id> [--overlap-minutes 60]
 *   npm run webhook-source -- disable <source-id>
 *   npm run webhook-source -- enable <source-id>
 *   npm run webhook-source -- list
 *
 * Configuration comes from the environment exactly as on Lambda (SIDECAR_RECORDS_TABLE,
 * SIDECAR_INBOX_TABLE, SIDECAR_AUDIT_TABLE, SIDECAR_EVENT_BUS_NAME, SIDECAR_SECRETS_PREFIX,
 * SIDECAR_SECRETS_KMS_KEY_ID: the stack's outputs; locally also SIDECAR_DYNAMODB_ENDPOINT and
 * SIDECAR_SECRETS_MANAGER_ENDPOINT), with the default AWS credential chain and AWS_REGION.
 * `create` and `rotate` print the new secret once: give it to the EHR's integration engineer
 * over a secure channel. `rotate`, `disable` and `enable` act on the source's current version.
 */
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { loadConfig } from '../../shared/config/config';
import { createContext } from '../../shared/context';
import { DomainError } from '../../shared/errors';
import { createWebhookSource } from '../../shared/webhooks/create-webhook-source';
import { getWebhookSourceView, listWebhookSources } from '../../shared/webhooks/list-webhook-sources';
import { rotateWebhookSecret } from '../../shared/webhooks/rotate-webhook-secret';
import { setWebhookSourceEnabled } from '../../shared/webhooks/set-webhook-source-enabled';
import type { WebhookSourceView } from '../../shared/webhooks/source-schema';

const USAGE = `usage: npm run webhook-source -- <command>
  create <source-id> --name NAME [--fhir-base-url URL] [--ehr-ui-base-url URL]
  rotate <source-id> [--overlap-minutes N]     (1-10080, default 60: how long the old secret still verifies)
  disable <source-id>
  enable <source-id>
  list
`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    'fhir-base-url': { type: 'string' },
    'ehr-ui-base-url': { type: 'string' },
    'overlap-minutes': { type: 'string' },
    help: { type: 'boolean' },
  },
});
const [command, id] = positionals;
const out = (text: string) => process.stdout.write(`${text}\n`);

function describe(source: WebhookSourceView): string {
  const rotation = source.previousSecretExpiresAt ? `; previous secret verifies until ${source.previousSecretExpiresAt}` : '';
  return `${source.id}\t${source.enabled ? 'enabled ' : 'DISABLED'}\tv${source.version}\t${source.name}${source.fhirBaseUrl ? `\t${source.fhirBaseUrl}` : ''}${rotation}`;
}

async function run(): Promise<number> {
  const needsId = command === 'create' || command === 'rotate' || command === 'disable' || command === 'enable';
  if (values.help || !command || (!needsId && command !== 'list') || (needsId && !id) || (command === 'create' && !values.name)) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const ctx = createContext({ config: loadConfig() });
  try {
    switch (command) {
      case 'create': {
        const { source, secret } = await createWebhookSource(ctx, {
          id: id!,
          name: values.name!,
          ...(values['fhir-base-url'] ? { fhirBaseUrl: values['fhir-base-url'] } : {}),
          ...(values['ehr-ui-base-url'] ? { ehrUiBaseUrl: values['ehr-ui-base-url'] } : {}),
        });
        out(`Source "${source.id}" created. Its webhook URL is <Sidecar URL>/webhooks/ehr/${source.id}`);
        out(`Secret (shown once): ${secret}`);
        return 0;
      }
      case 'rotate': {
        const { version } = await getWebhookSourceView(ctx, id!);
        const { source, secret } = await rotateWebhookSecret(ctx, id!, {
          version,
          ...(values['overlap-minutes'] ? { overlapMinutes: Number(values['overlap-minutes']) } : {}),
        });
        out(`Source "${source.id}" has a new secret; the previous one verifies until ${source.previousSecretExpiresAt ?? '(there was none)'}.`);
        out(`Secret (shown once): ${secret}`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        const { version } = await getWebhookSourceView(ctx, id!);
        const source = await setWebhookSourceEnabled(ctx, id!, { version, enabled: command === 'enable' });
        out(describe(source));
        return 0;
      }
      default: {
        const sources = await listWebhookSources(ctx);
        out(sources.length === 0 ? 'No webhook sources.' : sources.map(describe).join('\n'));
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof ZodError) {
      process.stderr.write(`Invalid input: ${error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}\n`);
      return 2;
    }
    if (error instanceof DomainError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    ctx.db.destroy();
    ctx.events.destroy();
    ctx.secrets.destroy();
  }
}

process.exitCode = await run();
