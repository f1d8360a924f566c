import { Form, type FormProps, useRouteLoaderData } from '@remix-run/react';
import { CSRF_FIELD } from '../../../shared/auth/csrf';

/**
 * Every state-changing console form: a POST carrying the session's CSRF token (from the root
 * loader), which the console's edge checks before any action runs. Works without JavaScript.
 */
export function PostForm({ children, ...props }: Omit<FormProps, 'method'>) {
  const root = useRouteLoaderData<{ csrf?: string }>('root');
  return (
    <Form method="post" {...props}>
      <input type="hidden" name={CSRF_FIELD} value={root?.csrf ?? ''} />
      {children}
    </Form>
  );
}
