import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { session } from '~/lib/session.server';

export const meta: MetaFunction = () => [{ title: 'Welcome · Sidecar' }];

export function loader({ context }: LoaderFunctionArgs) {
  const { actor } = session(context);
  return json({ name: actor.name, role: actor.role });
}

/** The start page for roles without a queue of their own yet (nurses' follow-up work arrives with tasks and care plans). */
export default function Welcome() {
  const { name, role } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="welcome-title">
      <h1 id="welcome-title">Welcome, {name}</h1>
      <p>
        You are signed in with the <strong>{role}</strong> role. Patients open from the EHR (Launch Sidecar) or from links shared by
        coordinators; follow-up tasks and care plans will appear here.
      </p>
    </section>
  );
}
