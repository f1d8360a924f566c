import { consumerHandler } from './consumer-handler';

/** Lambda entry: the `follow-up-work` consumer (see shared/events/catalogue.ts). */
export const handler = consumerHandler('follow-up-work');
