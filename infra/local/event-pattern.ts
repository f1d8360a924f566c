/**
 * EventBridge content filtering, for the local EventBridge stand-in: does an event (the full
 * envelope, `detail` parsed) match a rule's event pattern?
 *
 * Supported, with EventBridge's semantics:
 * - a pattern is an object whose leaves are arrays; an array matches when ANY of its matchers
 *   matches; all keys of an object must match (AND);
 * - when the event's value is an array, the matcher list matches if it matches ANY element;
 * - exact values (string, number, boolean, null), case-sensitive, type-sensitive ("5" ≠ 5);
 * - `{ prefix }`, `{ suffix }`, `{ "equals-ignore-case" }`;
 * - `{ "anything-but": value | [values] | { prefix } | { suffix } }` (the field must be present);
 * - `{ exists: true | false }` (leaf fields only, as in EventBridge);
 * - `{ numeric: [">", 0, "<=", 5] }`;
 * - `$or: [pattern, pattern, …]`.
 * Not supported (throws, never silently "no match"): `wildcard`, `cidr`, nested operators such as
 * `{ prefix: { "equals-ignore-case": … } }`. Arrays of objects in the event match a nested pattern
 * when one element matches it as a whole (EventBridge flattens them; the difference only shows with
 * patterns that combine two fields of different elements).
 */

export type PatternScalar = string | number | boolean | null;
export type PatternMatcher = PatternScalar | { readonly [operator: string]: unknown };
export interface EventPatternShape {
  readonly [key: string]: readonly PatternMatcher[] | EventPatternShape | readonly EventPatternShape[];
}

export class InvalidEventPatternError extends Error {
  override name = 'InvalidEventPatternError';
}

const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is PatternScalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** True when `event` matches `pattern`. Throws InvalidEventPatternError for a malformed or unsupported pattern. */
export function matches(pattern: EventPatternShape, event: unknown): boolean {
  validatePattern(pattern);
  return matchObject(pattern, event);
}

/** Throws InvalidEventPatternError when the pattern is malformed or uses an unsupported operator. */
export function validatePattern(pattern: unknown, path = '$'): void {
  if (!isObject(pattern)) throw new InvalidEventPatternError(`${path}: a pattern must be an object`);
  const keys = Object.keys(pattern);
  if (keys.length === 0 && path === '$') throw new InvalidEventPatternError('$: a pattern must not be empty');
  for (const key of keys) {
    const value = pattern[key];
    const here = `${path}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) {
        throw new InvalidEventPatternError(`${here}: $or takes an array of at least two patterns`);
      }
      value.forEach((alternative, i) => validatePattern(alternative, `${here}[${i}]`));
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw new InvalidEventPatternError(`${here}: empty arrays are not allowed`);
      value.forEach((matcher, i) => validateMatcher(matcher, `${here}[${i}]`));
    } else if (isObject(value)) {
      validatePattern(value, here);
    } else {
      throw new InvalidEventPatternError(`${here}: leaf values must be arrays`);
    }
  }
}

function validateMatcher(matcher: unknown, path: string): void {
  if (isScalar(matcher)) return;
  if (!isObject(matcher)) throw new InvalidEventPatternError(`${path}: a matcher is a value or an operator object`);
  const entries = Object.entries(matcher);
  const [entry] = entries;
  if (!entry || entries.length !== 1) throw new InvalidEventPatternError(`${path}: an operator object has exactly one key`);
  const [operator, argument] = entry;
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof argument !== 'string') throw new InvalidEventPatternError(`${path}: ${operator} takes a string`);
      return;
    case 'exists':
      if (typeof argument !== 'boolean') throw new InvalidEventPatternError(`${path}: exists takes true or false`);
      return;
    case 'anything-but':
      if (isScalar(argument)) return;
      if (Array.isArray(argument)) {
        if (argument.length === 0 || !argument.every(isScalar)) {
          throw new InvalidEventPatternError(`${path}: anything-but takes a non-empty array of values`);
        }
        return;
      }
      if (isObject(argument)) {
        const inner = Object.entries(argument);
        const [first] = inner;
        if (inner.length === 1 && first && (first[0] === 'prefix' || first[0] === 'suffix') && typeof first[1] === 'string') return;
      }
      throw new InvalidEventPatternError(`${path}: unsupported anything-but argument`);
    case 'numeric': {
      const ok =
        Array.isArray(argument) &&
        (argument.length === 2 || argument.length === 4) &&
        argument.every((item, i) => (i % 2 === 0 ? NUMERIC_OPERATORS.has(item as string) : typeof item === 'number'));
      if (!ok) throw new InvalidEventPatternError(`${path}: numeric takes [op, number] or [op, number, op, number]`);
      return;
    }
    default:
      throw new InvalidEventPatternError(`${path}: unsupported operator ${operator}`);
  }
}

function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as Record<string, unknown>[]).some((alternative) => matchObject(alternative, value))) return false;
      continue;
    }
    const present = isObject(value) && Object.prototype.hasOwnProperty.call(value, key);
    const field = present ? value[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub as PatternMatcher[], present, field)) return false;
    } else if (Array.isArray(field) && field.some(isObject)) {
      if (!field.some((element) => matchObject(sub as Record<string, unknown>, element))) return false;
    } else if (!matchObject(sub as Record<string, unknown>, present ? field : undefined)) {
      return false;
    }
  }
  return true;
}

function matchLeaf(matchers: readonly PatternMatcher[], present: boolean, field: unknown): boolean {
  // The scalar values the field holds: none when absent or not a leaf, each element of an array.
  const values: PatternScalar[] = !present ? [] : Array.isArray(field) ? field.filter(isScalar) : isScalar(field) ? [field] : [];
  const isLeaf = present && (isScalar(field) || (Array.isArray(field) && values.length > 0));
  return matchers.some((matcher) => {
    if (isScalar(matcher)) return values.some((v) => v === matcher);
    const [entry] = Object.entries(matcher);
    if (!entry) return false;
    const [operator, argument] = entry;
    switch (operator) {
      case 'exists':
        return argument === true ? isLeaf : !present;
      case 'prefix':
        return values.some((v) => typeof v === 'string' && v.startsWith(argument as string));
      case 'suffix':
        return values.some((v) => typeof v === 'string' && v.endsWith(argument as string));
      case 'equals-ignore-case':
        return values.some((v) => typeof v === 'string' && v.toLowerCase() === (argument as string).toLowerCase());
      case 'anything-but':
        return values.some((v) => !excludedBy(argument, v));
      case 'numeric':
        return values.some((v) => typeof v === 'number' && numericMatch(argument as (string | number)[], v));
      default:
        throw new InvalidEventPatternError(`unsupported operator ${operator}`);
    }
  });
}

function excludedBy(argument: unknown, value: PatternScalar): boolean {
  if (Array.isArray(argument)) return argument.some((excluded) => excluded === value);
  if (isObject(argument)) {
    if (typeof argument.prefix === 'string') return typeof value === 'string' && value.startsWith(argument.prefix);
    if (typeof argument.suffix === 'string') return typeof value === 'string' && value.endsWith(argument.suffix);
    return false;
  }
  return argument === value;
}

function numericMatch(conditions: readonly (string | number)[], value: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const operator = conditions[i];
    const bound = conditions[i + 1] as number;
    const ok =
      operator === '<' ? value < bound
      : operator === '<=' ? value <= bound
      : operator === '=' ? value === bound
      : operator === '>' ? value > bound
      : value >= bound;
    if (!ok) return false;
  }
  return true;
}
