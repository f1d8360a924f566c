import { consumerHandler } from './consumer-handler';

/** Lambda entry: the `referral-appointment` consumer (see shared/events/catalogue.ts). */
export const handler = consumerHandler('referral-appointment');
