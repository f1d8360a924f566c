import { z } from 'zod';
import type { AppContext } from '../context';
import { timelineEntry } from './change';
import { appendTimeline } from './repository';
import type { ActorRef, TimelineEntry } from './schema';

export const ZNoteText = z.string().trim().min(1, 'A note cannot be empty').max(4000);

/** Adds a note to a referral's timeline. Notes are PHI: never logged. */
export async function addReferralNote(ctx: AppContext, options: { actor: ActorRef; id: string; text: string }): Promise<TimelineEntry> {
  const text = ZNoteText.parse(options.text);
  const entry = timelineEntry({ id: options.id }, options.actor, ctx.clock.now(), { kind: 'note', note: text });
  await appendTimeline(ctx, entry);
  return entry;
}
