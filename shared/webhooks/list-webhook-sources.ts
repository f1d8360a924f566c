import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { queryWebhookSources, readWebhookSource } from './source-repository';
import { toWebhookSourceView, type WebhookSourceView, ZSourceId } from './source-schema';

/** Every webhook source, by id, for administrators: metadata only, never secrets (one Query, no Scan). */
export async function listWebhookSources(ctx: AppContext): Promise<WebhookSourceView[]> {
  return (await queryWebhookSources(ctx)).map(toWebhookSourceView);
}

/** One webhook source for administrators, read fresh (not from the verification cache); NotFoundError if unknown. */
export async function getWebhookSourceView(ctx: AppContext, id: string): Promise<WebhookSourceView> {
  const source = ZSourceId.safeParse(id).success ? await readWebhookSource(ctx, id) : undefined;
  if (!source) throw new NotFoundError('Unknown webhook source');
  return toWebhookSourceView(source);
}
