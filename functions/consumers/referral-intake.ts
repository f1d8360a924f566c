import { consumerHandler } from './consumer-handler';

/** Lambda entry: the `referral-intake` consumer (see shared/events/catalogue.ts). */
export const handler = consumerHandler('referral-intake');
