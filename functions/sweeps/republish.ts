import { getContext } from '../../shared/context';
import { republishPending } from '../../shared/inbox/republish-pending';

/** Lambda entry (every minute): publishes inbox rows whose PutEvents did not complete. */
export async function handler(): Promise<{ examined: number; republished: number; stillPending: number }> {
  return republishPending(getContext());
}
