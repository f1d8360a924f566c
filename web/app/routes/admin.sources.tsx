import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { createWebhookSource } from '../../../shared/webhooks/create-webhook-source';
import { listWebhookSources } from '../../../shared/webhooks/list-webhook-sources';
import { PostForm } from '~/components/post-form';
import { Alert, DateTime, FieldError, SubmitButton } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { session } from '~/lib/session.server';
import { parseCreateSourceForm, sourceError } from '~/lib/sources.server';
import { SecretOnce } from '~/components/secret-once';

export const meta: MetaFunction = () => [{ title: 'EHR sources · Sidecar' }];

export async function loader({ context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const sources = await loadOrThrow(() => listWebhookSources(ctx));
  audit.add('list', { resourceType: 'WebhookSource' });
  return json({ sources, canEdit: actor.role === 'admin', publicUrl: ctx.config.publicUrl });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx, audit } = session(context);
  const form = await request.formData();
  const input = parseCreateSourceForm(form);
  try {
    const created = await createWebhookSource(ctx, input);
    audit.add('webhook-source.create', { resourceType: 'WebhookSource', resourceId: created.source.id });
    // The secret is in this one response (never cached: the console sends no-store) and nowhere else.
    return json({ ok: true as const, id: created.source.id, secret: created.secret });
  } catch (error) {
    const e = sourceError(error);
    return json({ ok: false as const, message: e.message, fieldErrors: e.fieldErrors, values: { id: input.id, name: input.name } }, { status: e.status });
  }
}

export default function Sources() {
  const { sources, canEdit, publicUrl } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failed = result && !result.ok ? result : undefined;
  return (
    <>
      <h1>EHR sources</h1>
      <p>EHRs that post change events to Sidecar. Each signs its webhooks with a secret only it and Sidecar know.</p>
      {result?.ok ? <SecretOnce id={result.id} secret={result.secret} webhookUrl={`${publicUrl}/webhooks/ehr/${result.id}`} /> : null}
      <div className="table-wrap">
        <table className="data-table">
          <caption>Sources</caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Status</th>
              <th scope="col">Webhook URL</th>
              <th scope="col">Last rotated</th>
            </tr>
          </thead>
          <tbody>
            {sources.length === 0 ? (
              <tr>
                <td colSpan={4}>No EHR sources yet.</td>
              </tr>
            ) : (
              sources.map((s) => (
                <tr key={s.id} data-testid="source-row" data-source-id={s.id}>
                  <th scope="row">
                    <Link to={`/admin/sources/${s.id}`}>{s.name}</Link> <span className="sub">({s.id})</span>
                  </th>
                  <td>{s.enabled ? <span className="tag">Enabled</span> : <strong className="tag tag-overdue">Disabled</strong>}</td>
                  <td>
                    <code>{`${publicUrl}/webhooks/ehr/${s.id}`}</code>
                  </td>
                  <td>{s.rotatedAt ? <DateTime iso={s.rotatedAt} /> : <span className="muted">Never</span>}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {canEdit ? (
        <PostForm className="stack-form panel" aria-labelledby="new-source-title">
          <h2 id="new-source-title">Add an EHR source</h2>
          {failed ? <Alert>{failed.message}</Alert> : null}
          <label htmlFor="source-id">Source id (lower-case letters, digits, dashes; part of the webhook URL)</label>
          <input id="source-id" name="id" required pattern="[a-z0-9][a-z0-9\-]{0,62}" defaultValue={failed?.values.id} aria-describedby="source-id-error" />
          <FieldError id="source-id-error" message={failed?.fieldErrors.id} />
          <label htmlFor="source-name">Name</label>
          <input id="source-name" name="name" required maxLength={200} defaultValue={failed?.values.name} aria-describedby="source-name-error" />
          <FieldError id="source-name-error" message={failed?.fieldErrors.name} />
          <label htmlFor="source-fhir">FHIR base URL (optional)</label>
          <input id="source-fhir" name="fhirBaseUrl" type="url" aria-describedby="source-fhir-error" />
          <FieldError id="source-fhir-error" message={failed?.fieldErrors.fhirBaseUrl} />
          <label htmlFor="source-ui">Chart pages base URL (optional, for “Open in EHR”)</label>
          <input id="source-ui" name="ehrUiBaseUrl" type="url" aria-describedby="source-ui-error" />
          <FieldError id="source-ui-error" message={failed?.fieldErrors.ehrUiBaseUrl} />
          <SubmitButton intent="create" value="create">
            Add source
          </SubmitButton>
        </PostForm>
      ) : null}
    </>
  );
}
