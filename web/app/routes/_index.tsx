import { type LoaderFunctionArgs, redirect } from '@remix-run/node';
import { session } from '~/lib/session.server';

/** Each role's start page: the referral queue for coordinators and auditors, the work lists for nurses. */
const START: Record<string, string> = { coordinator: '/queue', auditor: '/queue', admin: '/admin/sources', nurse: '/work' };

export function loader({ context }: LoaderFunctionArgs) {
  const { actor } = session(context);
  return redirect(START[actor.role] ?? '/welcome');
}
