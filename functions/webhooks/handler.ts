import { handle } from 'hono/aws-lambda';
import { getContext } from '../../shared/context';
import { createWebhooksApp } from './app';

/** Lambda entry: inbound EHR webhooks behind API Gateway's HTTP API (`/webhooks/*`). */
export const handler = handle(createWebhooksApp(getContext()));
