import type { AppLoadContext } from '@remix-run/node';
import type { AppContext } from '../../../shared/context';
import type { User } from '../../../shared/users/directory';
import { notFound } from './action-error.server';

/**
 * The AppContext and signed-in actor that functions/console/app.ts hands every loader and action
 * (after its auth middleware). Fails loudly if the console is mounted without them.
 */
export function session(context: AppLoadContext): { ctx: AppContext; actor: User } {
  const { ctx, actor } = context as Partial<{ ctx: AppContext; actor: User }>;
  if (!ctx || !actor) throw new Error('Console mounted without { ctx, actor } load context');
  return { ctx, actor };
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
