/**
 * Runs before each test file: quiet structured logs unless SIDECAR_TEST_LOGS=1 (tests that
 * assert on logs capture them themselves), and a longer timeout for integration tests, which
 * talk to DynamoDB Local and load the FHIR definitions on first use.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.SIDECAR_TEST_LOGS === '1' ? 'DEBUG' : 'SILENT';
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';

// Property tests run with a fixed seed so CI is reproducible; set FC_SEED to explore others
// (a failure prints its seed and path for replay).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('fast-check').configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261123) });
