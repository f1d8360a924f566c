import { ENV } from '../../../shared/config/env-names';

/** The region integration tests sign for (DynamoDB Local runs with -sharedDb, so any would do). */
export const TEST_REGION = 'us-east-1';

/**
 * Dummy credentials and a fixed region for the AWS SDK, always overriding whatever the developer's
 * shell holds, so an integration run can never sign a request with real credentials.
 */
export function setLocalAwsEnvironment(env: NodeJS.ProcessEnv): void {
  env.AWS_ACCESS_KEY_ID = 'local';
  env.AWS_SECRET_ACCESS_KEY = 'local';
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  env[ENV.region] = TEST_REGION;
}

/** The DynamoDB Local endpoint started by global-setup; a clear error when run outside that project. */
export function dynamoDbEndpoint(): string {
  const endpoint = process.env[ENV.dynamoDbEndpoint];
  if (!endpoint) {
    throw new Error(
      `${ENV.dynamoDbEndpoint} is not set: integration tests need DynamoDB Local from test/integration/global-setup.ts ` +
        '(run them with `npm run test:int` or `jest -c test/jest.config.cjs --selectProjects integration`).',
    );
  }
  return endpoint;
}
