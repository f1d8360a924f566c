import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { PostForm } from '~/components/post-form';
import { Alert, DateTime, FieldError, Notice, SubmitButton } from '~/components/ui';
import { formError, loadOrThrow, notFound } from '~/lib/action-error.server';
import { type OutboxMessage, outboxConfigured, readOutbox, replyAsPatient, ZReplyForm } from '~/lib/outbox.server';
import { formValues, session } from '~/lib/session.server';

export const meta: MetaFunction = () => [{ title: 'Outbox (local) · Sidecar' }];

/** What a person can send back with one click: the keywords carriers know, and opting out in plain words. */
const QUICK_REPLIES = ['STOP', 'HELP', 'please stop texting me'] as const;

/** Only where the SMS or SES stand-ins are configured (`npm start`); everywhere else there is no such page. */
function requireOutbox(context: LoaderFunctionArgs['context']) {
  const s = session(context);
  if (!outboxConfigured(s.ctx)) throw notFound('There is no page at this address.');
  return s;
}

/** Each reminder whose messages the page shows (its texts, emails and the replies to them), once, for the audit trail. */
function remindersOf(messages: readonly OutboxMessage[]) {
  const reminders = new Map(messages.flatMap((m) => (m.reminder ? [[m.reminder.id, m.reminder] as const] : [])));
  return [...reminders.values()].map((r) => ({ resourceType: 'Reminder' as const, resourceId: r.id, patientId: r.patientId }));
}

export async function loader({ context }: LoaderFunctionArgs) {
  const { ctx, audit } = requireOutbox(context);
  const messages = await loadOrThrow(() => readOutbox(ctx));
  audit.add('list', ...remindersOf(messages));
  return json({ messages });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx, audit } = requireOutbox(context);
  const form = await request.formData();
  const values = formValues(form, ['messageId', 'text', 'quick']);
  const input = { messageId: values.messageId, text: values.quick ?? values.text };
  try {
    const answered = await replyAsPatient(ctx, ZReplyForm.parse(input));
    // A reply is the patient's voice on their consent (STOP, START, a plain-language opt-out): audited against their ledger.
    if (answered.reminder) audit.add('update', { resourceType: 'Consent', resourceId: answered.reminder.patientId, patientId: answered.reminder.patientId });
    return json({ ok: true as const, messageId: answered.id });
  } catch (error) {
    return formError('reply', error, { values: { messageId: values.messageId ?? '', text: values.text ?? '' } });
  }
}

function describeStatus(m: OutboxMessage): string {
  if (m.direction === 'inbound') return 'Received';
  if (m.status === 'sent') return 'Sent (no delivery event yet)';
  return m.status.charAt(0).toUpperCase() + m.status.slice(1);
}

function ReplyForm({ message, failed }: { message: OutboxMessage; failed: { message: string; fieldErrors: Record<string, string>; values: Record<string, string> } | undefined }) {
  const fieldId = `reply-${message.id}`;
  const error = failed?.fieldErrors.text ?? failed?.fieldErrors.messageId;
  return (
    <PostForm className="stack-form" aria-label="Reply as the patient">
      <input type="hidden" name="messageId" value={message.id} />
      <div className="field">
        <label htmlFor={fieldId}>Reply as the patient</label>
        <input
          id={fieldId}
          name="text"
          type="text"
          maxLength={1600}
          defaultValue={failed?.values.text ?? ''}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${fieldId}-error` : undefined}
        />
        <FieldError id={`${fieldId}-error`} message={error} />
      </div>
      <div className="form-actions">
        <SubmitButton intent="reply" name="intent" value="reply">
          Send reply
        </SubmitButton>
        {QUICK_REPLIES.map((text) => (
          <SubmitButton key={text} name="quick" value={text}>
            {text}
          </SubmitButton>
        ))}
      </div>
      {failed && !failed.fieldErrors.text ? <Alert>{failed.message}</Alert> : null}
    </PostForm>
  );
}

export default function OutboxPage() {
  const { messages } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const failed = answer && !answer.ok ? answer : undefined;

  return (
    <>
      <h1>Outbox (local testing tool)</h1>
      <p>
        Every reminder text and email the local SMS and SES stand-ins accepted, newest first, with its delivery status, and every text a patient sent
        back. Reply to a text as the patient would (STOP, HELP, or in plain words) to see consent change on the patient’s page. Only in local runs: on
        AWS, messages go to real phones and inboxes and this page does not exist. The numbers, addresses and texts here are patient data.
      </p>
      {answer?.ok ? <Notice>Reply sent as the patient. Sidecar’s answer, if any, appears here in a moment: reload the page.</Notice> : null}

      {messages.length === 0 ? (
        <p>The outbox is empty: no reminder has been sent yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption>Messages</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Channel</th>
                <th scope="col">From → to</th>
                <th scope="col">Message</th>
                <th scope="col">Status</th>
                <th scope="col">Reference</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr key={`${m.channel}-${m.id}`} data-testid="outbox-message" data-channel={m.channel} data-direction={m.direction}>
                  <th scope="row">
                    <DateTime iso={m.sentAt} />
                  </th>
                  <td>{m.channel === 'sms' ? (m.direction === 'inbound' ? 'SMS reply from the patient' : 'SMS') : 'Email'}</td>
                  <td>
                    {m.from} → {m.to}
                  </td>
                  <td>
                    {m.channel === 'email' ? (
                      <>
                        <strong>{m.subject}</strong>
                        {m.text ? <p className="sub">{m.text}</p> : null}
                      </>
                    ) : (
                      <p data-testid="outbox-body">{m.body}</p>
                    )}
                    {m.channel === 'sms' && m.direction === 'outbound' ? (
                      <ReplyForm message={m} failed={failed && failed.values.messageId === m.id ? failed : undefined} />
                    ) : null}
                  </td>
                  <td>
                    {describeStatus(m)}
                    {m.statusAt ? (
                      <>
                        {' '}
                        <DateTime iso={m.statusAt} />
                      </>
                    ) : null}
                  </td>
                  <td>
                    {m.reminder ? (
                      <Link to={`/patients/${m.reminder.patientId}`}>Reminder for this patient</Link>
                    ) : m.reference ? (
                      <code>{m.reference}</code>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {failed && !messages.some((m) => m.id === failed.values.messageId) ? <Alert>{failed.message}</Alert> : null}
    </>
  );
}
