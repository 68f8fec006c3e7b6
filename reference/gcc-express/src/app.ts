import type { Gcc } from '@wrktalk/gcc-core';
import { PROBLEM_TYPES, type ProblemCode, problemTypeUri } from '@wrktalk/sdk-gcc';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { createDocsRouter } from './docs';
import { type ConsoleOptions, createConsoleRouter } from './pages';

type Code = Extract<
  ProblemCode,
  'not_found' | 'malformed_json' | 'payload_too_large' | 'unsupported_media_type' | 'internal_error'
>;

function problem(res: express.Response, path: string, code: Code, detail: string): void {
  const { status, title } = PROBLEM_TYPES[code];
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: problemTypeUri(code),
        title,
        status,
        code,
        detail,
        instance: path,
      }),
    );
}

/**
 * The reference service's Express 5 app: gcc-core's router (the `/api/v1` contract, `/healthz`, `/readyz`,
 * `/metrics`) and, behind it, problem+json answers for unknown paths and for any error that escapes the router.
 */
export function createApp(
  gcc: Pick<Gcc, 'router'>,
  logger?: Logger,
  options: {
    /** Express's `trust proxy` (the client address behind a reverse proxy). @default false */
    trustProxy?: boolean | number | string;
    /** The reference console (`/admin`, `/ct/<client-id>`, `/ui/*`, see `pages.ts`); `false` leaves it out. @default {} */
    console?: ConsoleOptions | false;
  } = {},
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  app.disable('etag'); // gcc-core sets the ETags the contract defines
  // Before gcc-core's router, which answers every other `/api/v1` path (404 for one it does not know).
  app.use(createDocsRouter());
  app.use(gcc.router);
  if (options.console !== false) app.use(createConsoleRouter(options.console));

  const notFound: RequestHandler = (req, res) => {
    problem(res, req.path, 'not_found', `No operation at ${req.method} ${req.path}.`);
  };
  app.use(notFound);

  // A safety net: gcc-core answers its own errors; body-parser style errors map to their contract codes.
  const onError: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const e = (error ?? {}) as { status?: unknown; type?: unknown };
    const status = typeof e.status === 'number' ? e.status : 500;
    if (e.type === 'entity.too.large' || status === 413) {
      problem(res, req.path, 'payload_too_large', 'The request body is too large.');
    } else if (e.type === 'entity.parse.failed') {
      problem(res, req.path, 'malformed_json', 'The body is not valid JSON.');
    } else if (status === 415) {
      problem(res, req.path, 'unsupported_media_type', 'Unsupported Content-Type.');
    } else {
      logger?.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
      problem(res, req.path, 'internal_error', 'Unexpected server error.');
    }
  };
  app.use(onError);
  return app;
}
