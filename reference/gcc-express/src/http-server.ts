import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Express } from 'express';

/**
 * `http.createServer(app)` for an Express app, with one difference: requests and responses are created with the
 * app's own prototypes (`app.request`, `app.response`) instead of getting them from Express afterwards.
 *
 * Express gives every request and response its prototypes with `Object.setPrototypeOf`. Node's request and
 * response objects are dictionary-mode objects, for which V8 copies the hidden class on every prototype change
 * instead of reusing a cached transition: each request/response pair then carries two private hidden classes with
 * their descriptor arrays, about 2 KB that live as long as the request. For a GCC holding tens of thousands of
 * idle long polls that is a fifth of what each one costs (measured with `bench/idle-polls.bench.ts`, heap snapshots
 * of the GCC before and after the polls are opened). Created with the right prototype, Express's
 * `setPrototypeOf` finds nothing to change (V8 returns early when the prototype is the same) and the objects share
 * their hidden classes, as they do on a bare `node:http` server. Nothing else changes: they are still
 * `IncomingMessage`/`ServerResponse` instances with every Express method.
 */
export function createExpressServer(app: Express): Server {
  // Node's constructors are plain functions (callable on `this`), which is what `createServer`'s options expect.
  function Request(this: IncomingMessage, ...args: ConstructorParameters<typeof IncomingMessage>) {
    IncomingMessage.apply(this, args);
  }
  Request.prototype = app.request;
  function Response(this: ServerResponse, ...args: ConstructorParameters<typeof ServerResponse>) {
    ServerResponse.apply(this, args);
  }
  Response.prototype = app.response;
  return createServer(
    {
      IncomingMessage: Request as unknown as typeof IncomingMessage,
      ServerResponse: Response as unknown as typeof ServerResponse,
    },
    app,
  );
}
