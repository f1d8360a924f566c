import type { ServerBuild } from '@remix-run/node';
import { handle } from 'hono/aws-lambda';
import { getContext } from '../../shared/context';
import { createConsoleApp } from './app';
// @ts-ignore -- produced by `npm run build:web` (remix vite:build); bundled into this Lambda by esbuild.
import * as build from '../../web/build/server/index.js';

/** Lambda entry: the Remix console (server-rendered pages and form actions). */
export const handler = handle(createConsoleApp(getContext(), build as unknown as ServerBuild));
