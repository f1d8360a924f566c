import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { PostForm } from '~/components/post-form';
import { Alert, FieldError, SubmitButton } from '~/components/ui';
import { formError, loadOrThrow } from '~/lib/action-error.server';
import { carePlanCategoryLabel, dayOffsetLabel, recurrenceLabel } from '~/lib/care-plan-labels';
import {
  careTeamChoices,
  doneQuery,
  NEW_CAREPLAN_FIELD_NAMES,
  NEW_CAREPLAN_FIELDS,
  parseNewCarePlanForm,
  patientHeader,
  startCarePlan,
  templateChoices,
} from '~/lib/care-plans.server';
import { formList, formValues, recordId, session } from '~/lib/session.server';
import { taskTypeLabel } from '~/lib/task-labels';
import { requestTimeZone } from '~/lib/tasks.server';
import { isoToZonedLocal } from '~/lib/time';

// No patient data in the title: it ends up in browser history.
export const meta: MetaFunction = () => [{ title: 'Start a care plan · Sidecar' }];

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const { ctx, audit } = session(context);
  const id = recordId(params.id, 'Patient');
  const patient = await loadOrThrow(() => patientHeader(ctx, id));
  audit.add('read', { resourceType: 'Patient', resourceId: id, patientId: id });
  return json({
    patient,
    templates: templateChoices(),
    staff: await careTeamChoices(ctx),
    today: isoToZonedLocal(ctx.clock.now().toISOString(), requestTimeZone(request)).slice(0, 10),
  });
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const patientId = recordId(params.id, 'Patient');
  const form = await request.formData();
  let done: { id: string; query: string };
  try {
    const { carePlan, work } = await startCarePlan(ctx, actor, await parseNewCarePlanForm(ctx, patientId, form));
    audit.add('create', { resourceType: 'CarePlan', resourceId: carePlan.id, patientId: carePlan.patientId });
    done = { id: carePlan.id, query: doneQuery('create', work) };
  } catch (error) {
    const typed = Object.entries(formValues(form, NEW_CAREPLAN_FIELDS)).filter((e): e is [string, string] => e[1] !== undefined);
    return formError('create', error, {
      fieldNames: NEW_CAREPLAN_FIELD_NAMES,
      values: { ...Object.fromEntries(typed), careTeam: formList(form, 'careTeam').join(' ') },
    });
  }
  // POST/redirect/GET; the query string holds a code and counts, never patient data.
  return redirect(`/care-plans/${done.id}?${done.query}`);
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Template = LoaderData['templates'][number];

/** What a template will put on the plan: its goals, and the tasks its activities generate. */
function TemplateDetails({ template }: { template: Template }) {
  const tasks = template.activities.reduce((sum, a) => sum + a.tasks, 0);
  return (
    <div className="sub" id={`template-${template.id}-details`}>
      <p>
        {carePlanCategoryLabel(template.category)}. {template.description}
      </p>
      <p>
        <strong>Goals</strong>
      </p>
      <ul>
        {template.goals.map((g) => (
          <li key={g.description}>
            {g.description}
            {g.target ? ` — ${g.target.measure}: ${g.target.detail}` : null}
            {g.dueInDays !== undefined ? ` (due ${dayOffsetLabel(g.dueInDays).toLowerCase()})` : null}
          </li>
        ))}
      </ul>
      <p>
        <strong>Activities and the {tasks === 1 ? 'task' : `${tasks} tasks`} they create in the nurses’ queue</strong>
      </p>
      <ul data-testid={`template-${template.id}-tasks`}>
        {template.activities.map((a) => (
          <li key={a.title}>
            {taskTypeLabel(a.kind)}: {a.title} — due {dayOffsetLabel(a.offsetDays).toLowerCase()}
            {a.recurrence ? `, then ${recurrenceLabel(a.recurrence)} (${a.tasks} tasks)` : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

export default function NewCarePlanPage() {
  const { patient, templates, staff, today } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const errors: Record<string, string> = failure && !failure.ok ? failure.fieldErrors : {};
  const values: Record<string, string> = failure && !failure.ok ? failure.values : {};
  const chosenTeam = new Set((values.careTeam ?? '').split(' ').filter(Boolean));
  const describe = (field: string, hint?: string) => [errors[field] ? `${field}-error` : undefined, hint].filter(Boolean).join(' ') || undefined;
  const invalid = (field: string) => (errors[field] ? true : undefined);
  const patientLabel = patient.name ?? 'this patient (details pending from the EHR)';

  return (
    <>
      <p className="breadcrumbs">
        <Link to={`/patients/${patient.id}`}>← Back to the patient</Link>
      </p>
      <h1>Start a care plan</h1>
      <p>
        For <strong>{patientLabel}</strong>. Choose a template: its goals and activities go on the plan, and each activity becomes a task in the nurses’ queue
        when the plan is active. You can revise the plan after creating it.
      </p>
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
      <PostForm className="stack-form" aria-labelledby="new-care-plan-title">
        <h2 id="new-care-plan-title" className="visually-hidden">
          Care plan details
        </h2>
        <fieldset aria-describedby={describe('templateId')} id="templateId">
          <legend>
            Template<span className="required"> (required)</span>
          </legend>
          <FieldError id="templateId-error" message={errors.templateId} />
          {templates.map((t) => (
            <div key={t.id} className="field">
              <label className="check">
                <input
                  type="radio"
                  name="templateId"
                  value={t.id}
                  required
                  defaultChecked={values.templateId === t.id}
                  aria-invalid={invalid('templateId')}
                  aria-describedby={`template-${t.id}-details`}
                />{' '}
                {t.title}
              </label>
              <TemplateDetails template={t} />
            </div>
          ))}
        </fieldset>

        <div className="field">
          <label htmlFor="startDate">Start date</label>
          <input
            id="startDate"
            name="startDate"
            type="date"
            defaultValue={values.startDate ?? today}
            aria-invalid={invalid('startDate')}
            aria-describedby={describe('startDate', 'startDate-hint')}
          />
          <p className="hint" id="startDate-hint">
            Activity days are calendar days counted from this date (for a discharge, the discharge date). A date in the past makes tasks already due.
          </p>
          <FieldError id="startDate-error" message={errors.startDate} />
        </div>

        <fieldset aria-describedby={describe('status')} id="status">
          <legend>When the work starts</legend>
          <label className="check">
            <input type="radio" name="status" value="active" defaultChecked={(values.status ?? 'active') === 'active'} /> Activate now: create the tasks
          </label>
          <label className="check">
            <input type="radio" name="status" value="draft" defaultChecked={values.status === 'draft'} /> Save as a draft to review first (no tasks until it is
            activated)
          </label>
          <FieldError id="status-error" message={errors.status} />
        </fieldset>

        <fieldset aria-describedby={describe('careTeam', 'careTeam-hint')} id="careTeam">
          <legend>Care team (optional)</legend>
          {staff.length === 0 ? (
            <p className="hint" id="careTeam-hint">
              Nobody to choose yet: nurses and coordinators appear here once they have signed in.
            </p>
          ) : (
            <>
              <p className="hint" id="careTeam-hint">
                Staff who work this plan; each takes their Sidecar role on the team.
              </p>
              {staff.map((s) => (
                <label key={s.id} className="check">
                  <input type="checkbox" name="careTeam" value={s.id} defaultChecked={chosenTeam.has(s.id)} /> {s.name} ({s.role})
                </label>
              ))}
            </>
          )}
          <FieldError id="careTeam-error" message={errors.careTeam} />
        </fieldset>

        <div className="form-actions">
          <SubmitButton>Create care plan</SubmitButton>
          <Link to={`/patients/${patient.id}`}>Cancel</Link>
        </div>
      </PostForm>
    </>
  );
}
