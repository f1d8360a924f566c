import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { listUsers } from '../../../shared/users/directory';
import { DateTime } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { session } from '~/lib/session.server';

export const meta: MetaFunction = () => [{ title: 'Staff · Sidecar' }];

export async function loader({ context }: LoaderFunctionArgs) {
  const { ctx, audit } = session(context);
  const users = await loadOrThrow(() => listUsers(ctx));
  audit.add('list', { resourceType: 'User' });
  return json({ users });
}

/**
 * Everyone who has signed in, with the role their identity provider gave them. Roles are granted
 * in the identity provider (Cognito groups on AWS), so a change there takes effect at next sign-in.
 */
export default function Staff() {
  const { users } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Staff</h1>
      <p>
        Everyone who has signed in to Sidecar and the role their identity provider gave them at their last sign-in. Roles are granted by
        putting a person in exactly one group — <code>coordinator</code>, <code>nurse</code>, <code>admin</code> or <code>auditor</code> — in the
        identity provider (the Cognito user pool on AWS); a change applies at their next sign-in.
      </p>
      <div className="table-wrap">
        <table className="data-table">
          <caption>Staff</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Activity</th>
            </tr>
          </thead>
          <tbody>
            {users.length === 0 ? (
              <tr>
                <td colSpan={4}>Nobody has signed in yet.</td>
              </tr>
            ) : (
              users.map((u) => (
                <tr key={u.id} data-testid="staff-row">
                  <th scope="row">{u.name}</th>
                  <td>{u.role}</td>
                  <td>
                    <DateTime iso={u.lastSignInAt} />
                  </td>
                  <td>
                    <Link to={`/audit?user=${encodeURIComponent(u.id)}`}>Audit log</Link>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
