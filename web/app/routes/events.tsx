import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import { listInboundEvents } from '../../../shared/inbox/list-inbound-events';
import { replayInboundEvent } from '../../../shared/inbox/replay-inbound-event';
import { Alert, DateTime, Notice, SubmitButton } from '~/components/ui';
import { formError, loadOrThrow } from '~/lib/action-error.server';
import { eventsUrl } from '~/lib/events-url';
import { parseEventsSearch, toEventRow, ZReplayForm } from '~/lib/events.server';
import { PostForm } from '~/components/post-form';
import { session } from '~/lib/session.server';
import { utcDay } from '~/lib/time';

export const meta: MetaFunction = () => [{ title: 'Inbound events · Sidecar' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const url = new URL(request.url);
  const search = await loadOrThrow(async () => parseEventsSearch(url.searchParams));
  const today = utcDay(ctx.clock.now());
  const page = await loadOrThrow(() =>
    listInboundEvents(ctx, {
      view: search.view,
      ...(search.view === 'recent' ? { day: search.day ?? today } : {}),
      ...(search.cursor ? { cursor: search.cursor } : {}),
    }),
  );
  audit.add('list', { resourceType: 'InboundEvent' });
  return json({
    search: { view: search.view, day: search.day ?? today, cursor: search.cursor },
    today,
    events: page.events.map(toEventRow),
    nextCursor: page.nextCursor,
    replayed: url.searchParams.get('done') === 'replay',
    canReplay: isAllowed(CONSOLE_POLICY, 'POST', '/events', actor.role),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx, audit } = session(context);
  const form = await request.formData();
  const id = String(form.get('id') ?? '');
  let back: string;
  try {
    const search = parseEventsSearch(form);
    await replayInboundEvent(ctx, ZReplayForm.parse({ id }));
    audit.add('replay', { resourceType: 'InboundEvent', resourceId: id });
    back = eventsUrl(search, { done: 'replay' });
  } catch (error) {
    return formError('replay', error, { values: { id } });
  }
  return redirect(back);
}

const STATE_LABEL: Record<string, string> = {
  pending: 'Pending (not yet on the bus)',
  processing: 'Processing',
  processed: 'Processed',
  failed: 'Failed',
  'no-content': 'No content',
  done: 'Done',
  skipped: 'Skipped',
  'dead-lettered': 'Dead-lettered',
};

export default function EventsPage() {
  const { search, today, events, nextCursor, replayed, canReplay } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const failed = failure && !failure.ok ? failure : undefined;
  const base = { view: search.view, ...(search.view === 'recent' ? { day: search.day } : {}) };
  const next = nextCursor ? eventsUrl(base, { cursor: nextCursor }) : undefined;
  const orphan = failed && !events.some((e) => e.id === failed.values.id) ? failed : undefined;

  return (
    <>
      <h1>Inbound events</h1>
      <p>Every change event the EHR sent and Sidecar accepted, with what each consumer made of it. Payloads are never shown.</p>
      {replayed && !failure ? <Notice>The event was put on the bus again; consumers that already finished skip it.</Notice> : null}
      {orphan ? <Alert>{orphan.message}</Alert> : null}

      <nav className="tabs" aria-label="Event views">
        <ul>
          <li>
            <Link to="/events?view=recent" aria-current={search.view === 'recent' ? 'page' : undefined}>
              Recent
            </Link>
          </li>
          <li>
            <Link to="/events?view=failed" aria-current={search.view === 'failed' ? 'page' : undefined}>
              Failed
            </Link>
          </li>
        </ul>
      </nav>

      {search.view === 'recent' ? (
        <Form method="get" className="filters inline" key={search.day}>
          <input type="hidden" name="view" value="recent" />
          <label htmlFor="day">Day (UTC)</label>
          <input id="day" name="day" type="date" max={today} defaultValue={search.day} required />
          <button type="submit">Show day</button>
          {search.day !== today ? <Link to="/events?view=recent">Today</Link> : null}
        </Form>
      ) : (
        <p>Events with at least one failed consumer, newest first.</p>
      )}

      <div className="table-wrap">
        <table className="data-table events-table">
          <caption>Inbound events</caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Source</th>
              <th scope="col">Kind</th>
              <th scope="col">Resources</th>
              <th scope="col">State</th>
              <th scope="col">Consumers</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {events.length === 0 ? (
              <tr>
                <td colSpan={7}>{search.view === 'failed' ? 'No failed events.' : 'No events received on this day.'}</td>
              </tr>
            ) : (
              events.map((e, i) => (
                <tr key={e.id} className={e.state === 'failed' ? 'failed' : undefined} data-testid="event-row" data-event-id={e.id}>
                  <th scope="row" id={`event-${i}`}>
                    <DateTime iso={e.receivedAt} />
                  </th>
                  <td>{e.sourceId}</td>
                  <td>
                    {e.kind === 'notification' ? 'Subscription notification' : 'Resource'}
                    {e.notificationType ? <div className="sub">{e.notificationType}</div> : null}
                  </td>
                  <td>
                    {e.entries.length > 0 ? (
                      <ul className="plain">
                        {e.entries.map((entry) => (
                          <li key={entry.index}>
                            <code>{entry.label}</code> <span className="sub">({entry.interaction})</span>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="muted">None</span>
                    )}
                    {e.ignoredEntries > 0 ? <div className="sub">{e.ignoredEntries} ignored (not handled)</div> : null}
                  </td>
                  <td>
                    <span className={`tag state-${e.state}`}>{STATE_LABEL[e.state] ?? e.state}</span>
                    {e.lastPublishError ? (
                      <div className="sub">
                        Publishing failed ({e.publishAttempts} attempts): {e.lastPublishError}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    {e.consumers.length > 0 ? (
                      <ul className="plain consumers">
                        {e.consumers.map((c) => (
                          <li key={c.key}>
                            <strong>{c.consumer}</strong>
                            {c.entry ? <span className="sub"> on {c.entry}</span> : null}: {STATE_LABEL[c.state] ?? c.state}
                            {c.attempts > 0 ? ` (${c.attempts} ${c.attempts === 1 ? 'attempt' : 'attempts'})` : ''}
                            {c.error ? <div className="consumer-error">Error: {c.error}</div> : null}
                            {c.note ? <div className="sub">{c.note}</div> : null}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="muted">None yet</span>
                    )}
                  </td>
                  <td>
                    {e.replayable && canReplay ? (
                      <PostForm>
                        <input type="hidden" name="id" value={e.id} />
                        <input type="hidden" name="view" value={search.view} />
                        {search.view === 'recent' ? <input type="hidden" name="day" value={search.day} /> : null}
                        <SubmitButton intent="replay" name="intent" value="replay" describedBy={`event-${i}`}>
                          Replay
                        </SubmitButton>
                      </PostForm>
                    ) : null}
                    {failed && failed.values.id === e.id ? <Alert>{failed.message}</Alert> : null}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Event pages">
        {search.cursor ? <Link to={eventsUrl(base)}>First page</Link> : null}
        {next ? <Link to={next}>Next page</Link> : null}
      </nav>
    </>
  );
}
