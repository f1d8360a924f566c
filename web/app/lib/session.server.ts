import type { AppLoadContext } from '@remix-run/node';
import type { ConsoleLoadContext } from '../../../functions/console/app';
import { notFound } from './action-error.server';

/**
 * The AppContext, signed-in actor and audit trail that functions/console/app.ts hands every
 * loader and action (after sign-in, role and CSRF checks). Loaders and actions record what they
 * read or changed with `audit.add(...)`. Fails loudly if the console is mounted without them.
 */
export function session(context: AppLoadContext): ConsoleLoadContext {
  const { ctx, actor, audit, csrf, nonce } = context as Partial<ConsoleLoadContext>;
  if (!ctx || !actor || !audit || !csrf || !nonce) throw new Error('Console mounted without its load context');
  return { ctx, actor, audit, csrf, nonce };
}

/** FormData (or URLSearchParams) as a plain object of trimmed strings, empty values dropped. */
export function formValues(form: FormData | URLSearchParams, names: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of names) {
    const v = form.get(name);
    const s = typeof v === 'string' ? v.trim() : undefined;
    out[name] = s === '' ? undefined : s;
  }
  return out;
}

/** Every non-empty value of a repeated field (checkbox groups, multi-selects). */
export function formList(form: FormData | URLSearchParams, name: string): string[] {
  return form
    .getAll(name)
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

const RECORD_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** A record id from the URL, or a 404 (an odd id never reaches a key). */
export function recordId(value: string | undefined, what: string): string {
  if (!value || !RECORD_ID.test(value)) {
    throw notFound(`${what} not found`);
  }
  return value;
}
