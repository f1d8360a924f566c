import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Config } from '../../../shared/config/config';
import type { AppContext } from '../../../shared/context';
import { logger } from '../../../shared/logger';
import { testConfig, unitContext } from '../support/context';

/** A unit context with real SMS and SES clients (to be faked with aws-sdk-client-mock) and messaging settings. */
export function messagingContext(messaging: Partial<Config['messaging']> = {}): AppContext {
  return {
    ...unitContext(),
    config: { ...testConfig, messaging: { ...testConfig.messaging, ...messaging } },
    sms: new PinpointSMSVoiceV2Client({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' } }),
    email: new SESv2Client({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' } }),
  };
}

/** Records every call of the shared logger's methods, serialized, until `restore()`. */
export function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spies = (['debug', 'info', 'warn', 'error', 'critical'] as const).map((level) =>
    jest.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
      lines.push(JSON.stringify({ level, args }, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : value)));
    }) as never),
  );
  return { lines, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}
