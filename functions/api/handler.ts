import { handle } from 'hono/aws-lambda';
import { getContext } from '../../shared/context';
import { createApiApp } from './app';

/** Lambda entry: the JSON API behind API Gateway's HTTP API (`/api/*`). */
export const handler = handle(createApiApp(getContext()));
