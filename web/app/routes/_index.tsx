import { type LoaderFunctionArgs, redirect } from '@remix-run/node';
import { session } from '~/lib/session.server';

/** Each role's start page: the referral queue for coordinators and auditors, patients' work otherwise. */
const START: Record<string, string> = { coordinator: '/queue', auditor: '/queue', admin: '/admin/sources', nurse: '/welcome' };

export function loader({ context }: LoaderFunctionArgs) {
  const { actor } = session(context);
  return redirect(START[actor.role] ?? '/welcome');
}
