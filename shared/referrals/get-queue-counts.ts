import type { AppContext } from '../context';
import { QUEUE_IDS } from './queues';
import { type QueueCounts, readQueueCounts } from './repository';

/**
 * Referral counts per status and business status for one queue or all: summed from sharded
 * counter items maintained in the same transactions as every status change (no Scan, no COUNT
 * query over the queue).
 */
export async function getQueueCounts(ctx: AppContext, options: { queue?: string } = {}): Promise<QueueCounts> {
  const queues = options.queue && QUEUE_IDS.includes(options.queue) ? [options.queue] : QUEUE_IDS;
  return readQueueCounts(ctx, queues);
}
