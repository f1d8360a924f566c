import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { Alert, DateTime, FieldError, SubmitButton } from '~/components/ui';
import { describeError, formError, notFound } from '~/lib/action-error.server';
import { runSimulatorScenario, scenarioList, simulatorState, ZScenarioForm } from '~/lib/ehr-sim.server';
import { PostForm } from '~/components/post-form';
import { formValues, session } from '~/lib/session.server';

export const meta: MetaFunction = () => [{ title: 'Dev: EHR simulator · Sidecar' }];

/** Only where an EHR simulator is configured (`npm start`); everywhere else there is no such page. */
function requireSimulator(context: LoaderFunctionArgs['context']) {
  const s = session(context);
  if (!s.ctx.config.ehrSimulatorUrl) throw notFound('There is no page at this address.');
  return s;
}

export async function loader({ context }: LoaderFunctionArgs) {
  const { ctx } = requireSimulator(context);
  let serviceRequests: Awaited<ReturnType<typeof simulatorState>> = [];
  let problem: string | undefined;
  try {
    serviceRequests = await simulatorState(ctx);
  } catch (error) {
    // The page still offers the scenarios (and says why the list is empty); a bug still throws.
    const described = describeError(error);
    if (!described) throw error;
    problem = described.message;
  }
  return json({ simulatorUrl: ctx.config.ehrSimulatorUrl, scenarios: scenarioList(), serviceRequests, problem });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = requireSimulator(context);
  const form = await request.formData();
  const values = formValues(form, ['scenario', 'serviceRequestId', 'patientId']);
  try {
    const result = await runSimulatorScenario(ctx, ZScenarioForm.parse(values));
    return json({ ok: true as const, result });
  } catch (error) {
    const echoed = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
    return formError(values.scenario ?? 'scenario', error, { values: echoed });
  }
}

function describeDelivery(status: number): string {
  if (status === 0) return 'not delivered (Sidecar unreachable)';
  if (status >= 200 && status < 300) return `accepted (${status})`;
  return `refused (${status})`;
}

export default function DevPage() {
  const { simulatorUrl, scenarios, serviceRequests, problem } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const failed = answer && !answer.ok ? answer : undefined;
  const result = answer && answer.ok ? answer.result : undefined;
  const onNewReferral = failed?.intent === 'new-referral';
  const targetScenarios = scenarios.filter((s) => s.name !== 'new-referral');
  const newReferral = scenarios.find((s) => s.name === 'new-referral');

  return (
    <>
      <h1>Dev: EHR simulator</h1>
      <p>
        Act as the EHR at <code>{simulatorUrl}</code>: each button changes the simulator’s FHIR data and sends Sidecar the signed webhook a real EHR
        would. Then watch the <Link to="/queue">queue</Link> and the <Link to="/events">events</Link>.
      </p>
      {problem ? <Alert>{problem}</Alert> : null}

      {result ? (
        <section className="panel result" aria-labelledby="result-title" role="status">
          <h2 id="result-title">Result: {result.scenario}</h2>
          <dl className="grid-dl">
            {result.serviceRequestId ? (
              <div>
                <dt>ServiceRequest</dt>
                <dd>
                  <code>{result.serviceRequestId}</code>
                </dd>
              </div>
            ) : null}
            {result.patientId ? (
              <div>
                <dt>Patient</dt>
                <dd>
                  <code>{result.patientId}</code>
                </dd>
              </div>
            ) : null}
            <div>
              <dt>Resources written</dt>
              <dd>
                {result.resources.length > 0 ? (
                  <ul className="plain">
                    {result.resources.map((r) => (
                      <li key={r}>
                        <code>{r}</code>
                      </li>
                    ))}
                  </ul>
                ) : (
                  'None'
                )}
              </dd>
            </div>
          </dl>
          <table className="data-table">
            <caption>Webhook deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Webhook id</th>
                <th scope="col">Result</th>
                <th scope="col">Attempts</th>
              </tr>
            </thead>
            <tbody>
              {result.deliveries.length === 0 ? (
                <tr>
                  <td colSpan={3}>No webhook was sent.</td>
                </tr>
              ) : (
                result.deliveries.map((d) => (
                  <tr key={d.webhookId}>
                    <th scope="row">
                      <code>{d.webhookId}</code>
                    </th>
                    <td data-testid="delivery-status">{describeDelivery(d.status)}</td>
                    <td>{d.attempts ?? '—'}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </section>
      ) : null}

      {newReferral ? (
        <PostForm className="panel" aria-labelledby="new-referral-title">
          <h2 id="new-referral-title">New referral from the EHR</h2>
          <p id="new-referral-description">{newReferral.description}</p>
          <div className="field">
            <label htmlFor="patientId">Patient id in the EHR (optional)</label>
            <input
              id="patientId"
              name="patientId"
              type="text"
              maxLength={64}
              defaultValue={onNewReferral ? (failed?.values.patientId ?? '') : ''}
              aria-invalid={onNewReferral && failed?.fieldErrors.patientId ? true : undefined}
              aria-describedby={['patientId-hint', onNewReferral && failed?.fieldErrors.patientId ? 'patientId-error' : ''].filter(Boolean).join(' ')}
            />
            <p className="hint" id="patientId-hint">
              Default: {newReferral.defaultTarget}.
            </p>
            <FieldError id="patientId-error" message={onNewReferral ? failed?.fieldErrors.patientId : undefined} />
          </div>
          <SubmitButton name="scenario" value="new-referral" intent="new-referral" describedBy="new-referral-description">
            new-referral
          </SubmitButton>
          {onNewReferral ? <Alert>{failed?.message}</Alert> : null}
        </PostForm>
      ) : null}

      <PostForm className="panel" aria-labelledby="existing-title">
        <h2 id="existing-title">Change an existing referral in the EHR</h2>
        <div className="field">
          <label htmlFor="serviceRequestId">ServiceRequest</label>
          {serviceRequests.length > 0 ? (
            <select id="serviceRequestId" name="serviceRequestId" defaultValue={!onNewReferral ? (failed?.values.serviceRequestId ?? '') : ''}>
              <option value="">Let the scenario choose (see each button)</option>
              {serviceRequests.map((sr) => (
                <option key={sr.id} value={sr.id}>
                  {`${sr.id} — ${sr.status ?? 'unknown'}${sr.code ? `, ${sr.code}` : ''}${sr.appointment?.status ? `, appointment ${sr.appointment.status}` : ''}${sr.hasOutcome ? ', consult note back' : ''}`}
                </option>
              ))}
            </select>
          ) : (
            <input id="serviceRequestId" name="serviceRequestId" type="text" maxLength={64} defaultValue={!onNewReferral ? (failed?.values.serviceRequestId ?? '') : ''} />
          )}
          <FieldError id="serviceRequestId-error" message={!onNewReferral ? failed?.fieldErrors.serviceRequestId : undefined} />
        </div>
        <ul className="plain scenario-list">
          {targetScenarios.map((s) => (
            <li key={s.name}>
              <SubmitButton name="scenario" value={s.name} intent={s.name} describedBy={`scenario-${s.name}`}>
                {s.name}
              </SubmitButton>
              <p className="hint" id={`scenario-${s.name}`}>
                {s.description} Default target: {s.defaultTarget}.
              </p>
            </li>
          ))}
        </ul>
        {failed && !onNewReferral ? <Alert>{failed.message}</Alert> : null}
      </PostForm>

      {serviceRequests.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table">
            <caption>Referrals in the EHR simulator</caption>
            <thead>
              <tr>
                <th scope="col">ServiceRequest</th>
                <th scope="col">Status</th>
                <th scope="col">Service</th>
                <th scope="col">Appointment</th>
                <th scope="col">Consult note</th>
              </tr>
            </thead>
            <tbody>
              {serviceRequests.map((sr) => (
                <tr key={sr.id}>
                  <th scope="row">
                    <code>{sr.id}</code>
                  </th>
                  <td>{sr.status ?? '—'}</td>
                  <td>{sr.code ?? '—'}</td>
                  <td>
                    {sr.appointment ? (
                      <>
                        {sr.appointment.status ?? '—'} {sr.appointment.start ? <DateTime iso={sr.appointment.start} /> : null}
                      </>
                    ) : (
                      'None'
                    )}
                  </td>
                  <td>{sr.hasOutcome ? 'Received' : 'Not yet'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
