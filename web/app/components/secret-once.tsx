/** A new secret, shown once: Sidecar keeps only Secrets Manager's copy and never displays it again. */
export function SecretOnce({ id, secret, webhookUrl }: { id: string; secret: string; webhookUrl: string }) {
  return (
    <section className="panel secret-once" aria-labelledby="secret-title" role="status">
      <h2 id="secret-title">New signing secret for {id}</h2>
      <p>
        Give this secret and the webhook URL to the EHR’s integration engineer now. <strong>Sidecar will not show it again.</strong>
      </p>
      <dl>
        <dt>Webhook URL</dt>
        <dd>
          <code>{webhookUrl}</code>
        </dd>
        <dt>Secret (Standard Webhooks)</dt>
        <dd>
          <code data-testid="new-secret">{secret}</code>
        </dd>
      </dl>
    </section>
  );
}
