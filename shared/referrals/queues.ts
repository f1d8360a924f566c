import type { Code } from './schema';

/**
 * Work queues by specialty, and how an EHR referral finds its queue: the ServiceRequest's
 * performerType (specialty) or code is matched on SNOMED CT codes, then on words in its display.
 * Queue ids are enum-like slugs, safe in keys.
 */
export interface QueueDefinition {
  id: string;
  name: string;
  /** SNOMED CT specialty (performerType) or referral-procedure (code) codes. */
  codes: readonly string[];
  /** Lower-case words that route a referral here when no code matches. */
  keywords: readonly string[];
}

export const QUEUES: readonly QueueDefinition[] = [
  { id: 'cardiology', name: 'Cardiology', codes: ['394579002', '183519002'], keywords: ['cardio', 'heart'] },
  { id: 'orthopedics', name: 'Orthopedics', codes: ['394801008', '183545006'], keywords: ['ortho', 'bone', 'joint'] },
  { id: 'behavioral-health', name: 'Behavioral health', codes: ['394587001', '183524004'], keywords: ['psych', 'behavioral', 'mental'] },
  { id: 'endocrinology', name: 'Endocrinology', codes: ['394583002', '183521006'], keywords: ['endocrin', 'diabet', 'thyroid'] },
  { id: 'gastroenterology', name: 'Gastroenterology', codes: ['394584008', '183522004'], keywords: ['gastro', 'gi ', 'hepat'] },
  { id: 'neurology', name: 'Neurology', codes: ['394591006', '183523009'], keywords: ['neuro'] },
  { id: 'dermatology', name: 'Dermatology', codes: ['394582007', '183525005'], keywords: ['derma', 'skin'] },
  { id: 'general', name: 'General', codes: [], keywords: [] },
];

export const DEFAULT_QUEUE = 'general';
export const QUEUE_IDS = QUEUES.map((q) => q.id);

export function queueName(id: string): string {
  return QUEUES.find((q) => q.id === id)?.name ?? id;
}

/** The queue for a referral's specialty codes (performerType first, then the service code). */
export function queueFor(codes: readonly Code[]): string {
  for (const c of codes) {
    const byCode = QUEUES.find((q) => c.code !== undefined && q.codes.includes(c.code));
    if (byCode) return byCode.id;
  }
  for (const c of codes) {
    const text = `${c.display ?? ''} `.toLowerCase();
    const byWord = QUEUES.find((q) => q.keywords.some((k) => text.includes(k)));
    if (byWord) return byWord.id;
  }
  return DEFAULT_QUEUE;
}
