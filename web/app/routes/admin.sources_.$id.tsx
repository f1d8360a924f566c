import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { rotateWebhookSecret } from '../../../shared/webhooks/rotate-webhook-secret';
import { setWebhookSourceEnabled } from '../../../shared/webhooks/set-webhook-source-enabled';
import { getWebhookSourceView } from '../../../shared/webhooks/list-webhook-sources';
import { PostForm } from '~/components/post-form';
import { Alert, DateTime, Notice, SubmitButton } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { recordId, session } from '~/lib/session.server';
import { OVERLAP_CHOICES } from '~/lib/sources';
import { parseSourceCommand, sourceError } from '~/lib/sources.server';
import { SecretOnce } from '~/components/secret-once';

export const meta: MetaFunction = () => [{ title: 'EHR source · Sidecar' }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Source');
  const source = await loadOrThrow(() => getWebhookSourceView(ctx, id));
  audit.add('read', { resourceType: 'WebhookSource', resourceId: id });
  return json({ source, canEdit: actor.role === 'admin', webhookUrl: `${ctx.config.publicUrl}/webhooks/ehr/${id}` });
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const { ctx, audit } = session(context);
  const id = recordId(params.id, 'Source');
  const form = await request.formData();
  try {
    const command = parseSourceCommand(form);
    if (command.intent === 'rotate') {
      const rotated = await rotateWebhookSecret(ctx, id, { version: command.version, overlapMinutes: command.overlapMinutes });
      audit.add('webhook-source.rotate', { resourceType: 'WebhookSource', resourceId: id });
      return json({ ok: true as const, intent: command.intent, secret: rotated.secret as string | null });
    }
    await setWebhookSourceEnabled(ctx, id, { version: command.version, enabled: command.intent === 'enable' });
    audit.add(command.intent === 'enable' ? 'webhook-source.enable' : 'webhook-source.disable', { resourceType: 'WebhookSource', resourceId: id });
    return json({ ok: true as const, intent: command.intent, secret: null as string | null });
  } catch (error) {
    const e = sourceError(error);
    return json({ ok: false as const, message: e.message }, { status: e.status });
  }
}

export default function Source() {
  const { source, canEdit, webhookUrl } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <p>
        <Link to="/admin/sources">All EHR sources</Link>
      </p>
      <h1>
        {source.name} <span className="sub">({source.id})</span>
      </h1>
      {result?.ok && result.secret ? <SecretOnce id={source.id} secret={result.secret} webhookUrl={webhookUrl} /> : null}
      {result?.ok && !result.secret ? <Notice>{result.intent === 'disable' ? 'Source disabled: its webhooks are now refused (401).' : 'Source enabled.'}</Notice> : null}
      {result && !result.ok ? <Alert>{result.message}</Alert> : null}
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="source-status">{source.enabled ? 'Enabled' : 'Disabled — webhooks are refused'}</dd>
        <dt>Webhook URL</dt>
        <dd>
          <code>{webhookUrl}</code>
        </dd>
        <dt>FHIR base URL</dt>
        <dd>{source.fhirBaseUrl ?? <span className="muted">Not set</span>}</dd>
        <dt>Created</dt>
        <dd>
          <DateTime iso={source.createdAt} />
        </dd>
        <dt>Last rotated</dt>
        <dd>{source.rotatedAt ? <DateTime iso={source.rotatedAt} /> : <span className="muted">Never</span>}</dd>
        {source.previousSecretExpiresAt ? (
          <>
            <dt>Previous secret verifies until</dt>
            <dd>
              <DateTime iso={source.previousSecretExpiresAt} />
            </dd>
          </>
        ) : null}
      </dl>
      {canEdit ? (
        <div className="action-grid">
          <PostForm className="action-card" aria-labelledby="rotate-title">
            <h2 id="rotate-title">Rotate the secret</h2>
            <input type="hidden" name="version" value={source.version} />
            <label htmlFor="overlap">Old secret keeps working for</label>
            <select id="overlap" name="overlapMinutes" defaultValue="60">
              {OVERLAP_CHOICES.map((o) => (
                <option key={o.minutes} value={o.minutes}>
                  {o.label}
                </option>
              ))}
            </select>
            <SubmitButton intent="rotate" value="rotate">
              Rotate secret
            </SubmitButton>
          </PostForm>
          <PostForm className="action-card" aria-labelledby="enable-title">
            <h2 id="enable-title">{source.enabled ? 'Disable' : 'Enable'}</h2>
            <p>{source.enabled ? 'Refuse this EHR’s webhooks (401) until enabled again.' : 'Accept this EHR’s webhooks again.'}</p>
            <input type="hidden" name="version" value={source.version} />
            <SubmitButton intent={source.enabled ? 'disable' : 'enable'} value={source.enabled ? 'disable' : 'enable'}>
              {source.enabled ? 'Disable source' : 'Enable source'}
            </SubmitButton>
          </PostForm>
        </div>
      ) : null}
    </>
  );
}
