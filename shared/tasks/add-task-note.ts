import { z } from 'zod';
import type { AppContext } from '../context';
import type { ActorRef } from '../referrals/schema';
import { taskTimelineEntry } from './change';
import { appendTaskTimeline } from './repository';
import type { TaskTimelineEntry } from './schema';

export const ZTaskNoteText = z.string().trim().min(1, 'A note cannot be empty').max(4000);

/**
 * Adds a note to a task's timeline (404 if there is no such task). Notes never overwrite, so they
 * need no version, and anyone who may see the task may add one — a coordinator can leave word on a
 * nurse's call. Notes are PHI: never logged.
 */
export async function addTaskNote(ctx: AppContext, options: { actor: ActorRef; id: string; text: string }): Promise<TaskTimelineEntry> {
  const text = ZTaskNoteText.parse(options.text);
  const entry = taskTimelineEntry({ id: options.id }, options.actor, ctx.clock.now(), { kind: 'note', note: text });
  await appendTaskTimeline(ctx, entry);
  return entry;
}
