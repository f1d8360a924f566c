import { consumerHandler } from './consumer-handler';

/** Lambda entry: the `patient-projection` consumer (see shared/events/catalogue.ts). */
export const handler = consumerHandler('patient-projection');
