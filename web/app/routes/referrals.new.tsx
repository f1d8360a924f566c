import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { getPatient } from '../../../shared/patients/get-patient';
import { listPatients } from '../../../shared/patients/list-patients';
import { createReferral } from '../../../shared/referrals/create-referral';
import { QUEUES } from '../../../shared/referrals/queues';
import { Alert, FieldError, SubmitButton } from '~/components/ui';
import { formError, loadOrThrow } from '~/lib/action-error.server';
import { PRIORITY_LABEL } from '~/lib/labels';
import { NEW_REFERRAL_FIELD_NAMES, NEW_REFERRAL_FIELDS, parseNewReferralForm, toPatientOption } from '~/lib/new-referral.server';
import { PostForm } from '~/components/post-form';
import { formValues, recordId, session } from '~/lib/session.server';
import { formatDate } from '~/lib/time';

export const meta: MetaFunction = () => [{ title: 'New referral · Sidecar' }];

const PAGE = 200;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx, audit } = session(context);
  const url = new URL(request.url);
  const cursor = url.searchParams.get('patients') ?? undefined;
  const wanted = url.searchParams.get('patientId');
  const page = await loadOrThrow(() => listPatients(ctx, { limit: PAGE, ...(cursor ? { cursor } : {}) }));
  const patients = page.patients.map(toPatientOption).sort((a, b) => a.name.localeCompare(b.name));
  // Coming from a patient's page: make sure that patient can be picked.
  if (wanted && !patients.some((p) => p.id === wanted)) {
    const id = recordId(wanted, 'Patient');
    const { patient } = await loadOrThrow(() => getPatient(ctx, { id }));
    patients.unshift(toPatientOption(patient));
  }
  audit.add('list', ...patients.map((p) => ({ resourceType: 'Patient' as const, resourceId: p.id, patientId: p.id })));
  return json({ patients, selected: wanted ?? undefined, nextPatients: page.nextCursor, morePages: Boolean(cursor) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const form = await request.formData();
  let id: string;
  try {
    const referral = await createReferral(ctx, { actor: { id: actor.id, name: actor.name }, input: parseNewReferralForm(form) });
    id = referral.id;
    audit.add('create', { resourceType: 'Referral', resourceId: id, patientId: referral.patientId });
  } catch (error) {
    const values = Object.fromEntries(Object.entries(formValues(form, NEW_REFERRAL_FIELDS)).filter((e): e is [string, string] => e[1] !== undefined));
    return formError('create', error, { fieldNames: NEW_REFERRAL_FIELD_NAMES, values });
  }
  return redirect(`/referrals/${id}?done=create`);
}

export default function NewReferralPage() {
  const { patients, selected, nextPatients, morePages } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const errors: Record<string, string> = failure && !failure.ok ? failure.fieldErrors : {};
  const values: Record<string, string> = failure && !failure.ok ? failure.values : {};
  const describe = (field: string, hint?: string) => [errors[field] ? `${field}-error` : undefined, hint].filter(Boolean).join(' ') || undefined;
  const invalid = (field: string) => (errors[field] ? true : undefined);

  return (
    <>
      <p className="breadcrumbs">
        <Link to="/queue">← Back to the queue</Link>
      </p>
      <h1>New referral</h1>
      <p>For a referral that did not come from the EHR (a phone call, a fax, another clinic). It starts as requested, in triage.</p>
      {failure && !failure.ok ? (
        <Alert id="create-error">
          <p>{failure.message}</p>
          {Object.keys(errors).length > 0 ? (
            <ul>
              {Object.entries(errors).map(([field, message]) => (
                <li key={field}>
                  <a href={`#${field}`}>{message}</a>
                </li>
              ))}
            </ul>
          ) : null}
        </Alert>
      ) : null}
      <PostForm className="stack-form" aria-labelledby="new-referral-title">
        <h2 id="new-referral-title" className="visually-hidden">
          Referral details
        </h2>
        <div className="field">
          <label htmlFor="patientId">
            Patient<span className="required"> (required)</span>
          </label>
          <select
            id="patientId"
            name="patientId"
            required
            defaultValue={values.patientId ?? selected ?? ''}
            aria-invalid={invalid('patientId')}
            aria-describedby={describe('patientId', nextPatients || morePages ? 'patient-pages' : undefined)}
          >
            <option value="">Choose a patient…</option>
            {patients.map((p) => (
              <option key={p.id} value={p.id}>
                {`${p.name} — born ${p.birthDate ? formatDate(p.birthDate) : 'date not recorded'}`}
              </option>
            ))}
          </select>
          <FieldError id="patientId-error" message={errors.patientId} />
          {nextPatients || morePages ? (
            <p className="hint" id="patient-pages">
              The list shows {PAGE} patients at a time.{' '}
              {nextPatients ? <Link to={`/referrals/new?patients=${encodeURIComponent(nextPatients)}`}>Show the next patients</Link> : null}{' '}
              {morePages ? <Link to="/referrals/new">Back to the first patients</Link> : null}
            </p>
          ) : null}
        </div>

        <fieldset>
          <legend>Direction</legend>
          <label className="check">
            <input type="radio" name="direction" value="outbound" defaultChecked={(values.direction ?? 'outbound') === 'outbound'} /> Outbound (we refer out)
          </label>
          <label className="check">
            <input type="radio" name="direction" value="inbound" defaultChecked={values.direction === 'inbound'} /> Inbound (referred to us)
          </label>
        </fieldset>

        <div className="field">
          <label htmlFor="serviceDisplay">
            Service<span className="required"> (required unless a code is given)</span>
          </label>
          <input
            id="serviceDisplay"
            name="serviceDisplay"
            type="text"
            maxLength={500}
            defaultValue={values.serviceDisplay ?? ''}
            aria-invalid={invalid('serviceDisplay')}
            aria-describedby={describe('serviceDisplay', 'serviceDisplay-hint')}
          />
          <p className="hint" id="serviceDisplay-hint">
            For example “Cardiology consult”. The queue is chosen from it unless you pick one.
          </p>
          <FieldError id="serviceDisplay-error" message={errors.serviceDisplay} />
        </div>

        <div className="field">
          <label htmlFor="serviceCode">Service code (optional, SNOMED CT)</label>
          <input
            id="serviceCode"
            name="serviceCode"
            type="text"
            maxLength={200}
            defaultValue={values.serviceCode ?? ''}
            aria-invalid={invalid('serviceCode')}
            aria-describedby={describe('serviceCode')}
          />
          <FieldError id="serviceCode-error" message={errors.serviceCode} />
        </div>

        <div className="field">
          <label htmlFor="reason">Reason for referral</label>
          <textarea
            id="reason"
            name="reason"
            rows={3}
            maxLength={2000}
            defaultValue={values.reason ?? ''}
            aria-invalid={invalid('reason')}
            aria-describedby={describe('reason')}
          />
          <FieldError id="reason-error" message={errors.reason} />
        </div>

        <div className="field-row">
          <div className="field">
            <label htmlFor="priority">Priority</label>
            <select id="priority" name="priority" defaultValue={values.priority ?? 'routine'} aria-invalid={invalid('priority')} aria-describedby={describe('priority')}>
              {Object.entries(PRIORITY_LABEL).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <FieldError id="priority-error" message={errors.priority} />
          </div>
          <div className="field">
            <label htmlFor="queue">Queue</label>
            <select id="queue" name="queue" defaultValue={values.queue ?? ''} aria-invalid={invalid('queue')} aria-describedby={describe('queue')}>
              <option value="">Choose from the service</option>
              {QUEUES.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
            <FieldError id="queue-error" message={errors.queue} />
          </div>
        </div>

        <div className="field">
          <label htmlFor="receivingOrganization">Receiving organization</label>
          <input
            id="receivingOrganization"
            name="receivingOrganization"
            type="text"
            maxLength={500}
            defaultValue={values.receivingOrganization ?? ''}
            aria-invalid={invalid('receivingOrganization')}
            aria-describedby={describe('receivingOrganization')}
          />
          <FieldError id="receivingOrganization-error" message={errors.receivingOrganization} />
        </div>

        <div className="field">
          <label htmlFor="note">Note for the timeline</label>
          <textarea
            id="note"
            name="note"
            rows={2}
            maxLength={2000}
            defaultValue={values.note ?? ''}
            aria-invalid={invalid('note')}
            aria-describedby={describe('note')}
          />
          <FieldError id="note-error" message={errors.note} />
        </div>

        <div className="form-actions">
          <SubmitButton>Create referral</SubmitButton>
          <Link to="/queue">Cancel</Link>
        </div>
      </PostForm>
    </>
  );
}
