import { consumerHandler } from './consumer-handler';

/** Lambda entry: the `appointment-reminders` consumer (see shared/events/catalogue.ts). */
export const handler = consumerHandler('appointment-reminders');
