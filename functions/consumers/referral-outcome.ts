import { consumerHandler } from './consumer-handler';

/** Lambda entry: the `referral-outcome` consumer (see shared/events/catalogue.ts). */
export const handler = consumerHandler('referral-outcome');
