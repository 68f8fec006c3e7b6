import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BEARER_AUTHORIZATION,
  type FieldError,
  type PublishedSigningKey,
  type SchemaName,
  schemaOf,
} from '@wrktalk/sdk-gcc';
import { OPENAPI_JSON, OPENAPI_YAML } from '@wrktalk/sdk-gcc/openapi';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { type OfferCache, OfferWaiter } from '../cache/offer-cache';
import type { TokenCache } from '../cache/token-cache';
import { GccServiceError, isGccServiceError } from '../errors/gcc-service-error';
import type { GccServices } from '../services';
import type { Offer } from '../services/agent';
import type { Principal } from '../services/context';
import { sha256 } from '../services/ids';
import { type AuthFailureLimiter, sendRateLimited, sourceOf } from './auth-limiter';
import { checkContentEncoding, checkJsonDepth } from './body';
import { loggableUrl } from './log-url';
import type { GccMetrics } from './metrics';
import { ACTOR, CURSOR, checkQuery, checkSchema, LIMIT, type QuerySpec, SEARCH, STAGE, WAIT } from './params';
import { findRoute, isParamDecodeError } from './path-params';
import { classifyError, sendProblem } from './problem';

type Role = Principal['role'];

/** What the router needs from the GCC. */
export interface RouterDeps {
  services: GccServices;
  offers: OfferCache;
  tokens: TokenCache;
  metrics: GccMetrics;
  logger: Logger;
  maxBodyBytes: number;
  now: () => Date;
  authenticate?: (req: Request) => Principal | undefined | Promise<Principal | undefined>;
  readiness: () => Promise<{ ok: boolean; body: unknown }>;
  /** Blocks sources after repeated failed authentications; undefined when the limit is off. */
  authLimiter?: AuthFailureLimiter;
  /** Records an agent's poll for the batched `last_seen_at` write. */
  seen: (clientId: string) => void;
  /** Public keys served at `/.well-known/wrktalk-signing-keys` (empty when offers are not signed). @default [] */
  signingKeys?: readonly PublishedSigningKey[];
}

interface Call {
  who: Principal;
  path: Record<string, string>;
  query: Record<string, string | number | undefined>;
  body: unknown;
  req: Request;
  res: Response;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Operation {
  id: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  roles: Role[];
  query?: Record<string, QuerySpec>;
  body?: {
    schema: SchemaName;
    types?: string[];
    optional?: boolean;
    /** The operation's rules past the schema, reported together with the schema's problems (every problem at once). */
    also?: (value: unknown) => FieldError[];
  };
  /** Creating POST: honours Idempotency-Key. */
  idempotent?: boolean;
  /** Answers about the caller's own token (`whoami`): no client in the path, so no client scope to check. */
  self?: boolean;
  run: (call: Call, tx?: Parameters<Parameters<GccServices['idempotency']['run']>[3]>[0]) => Promise<Answer>;
}

const PATH_SCHEMAS: Record<string, SchemaName> = {
  release_id: 'ReleaseId',
  client_id: 'ClientId',
  deployment_id: 'DeploymentId',
  task_id: 'TaskId',
  token_id: 'TokenId',
  policy_id: 'AutoApprovePolicyId',
};

const JSON_TYPES = ['application/json'];
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;
/**
 * `Bearer`, exactly one space, the token: nothing is trimmed, so a token with a space or tab before or after it (as
 * the router sees the header) is not a match, hence 401. (Node's HTTP/1 parser itself drops whitespace around a
 * header's value, RFC 9110 §5.5, before any of this runs.)
 */
const BEARER = BEARER_AUTHORIZATION;
/** `getUpdates` exactly as agents call it (relative to where the router is mounted): the fast path's match. */
const POLL_URL = /^\/api\/v1\/clients\/([a-z0-9-]{1,63})\/updates(?:\?(.*))?$/;
const POLL_QUERY: Record<string, QuerySpec> = { wait: WAIT };
/** A poll's query string that is just `wait=<digits>`. */
const WAIT_ONLY = /^wait=(\d{1,9})$/;
const MAX_IF_NONE_MATCH = 256;

// Request ids: `req-` and 8 random bytes in hex, cut from a pool filled 512 ids at a time.
const ID_BYTES = 8;
let idPool = Buffer.alloc(0);
let idAt = 0;
function newRequestId(): string {
  if (idAt >= idPool.length) {
    idPool = randomBytes(ID_BYTES * 512);
    idAt = 0;
  }
  idAt += ID_BYTES;
  return `req-${idPool.toString('hex', idAt - ID_BYTES, idAt)}`;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof (v as { then?: unknown } | null)?.then === 'function';

const page = (q: Call['query']) => ({
  ...(q.cursor !== undefined && { cursor: String(q.cursor) }),
  limit: Number(q.limit),
});
const ok = (body: unknown, status = 200): Answer => ({ status, body });
/** What an operation answers when it wrote the response itself. */
const SENT: Answer = { status: 0 };

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** Builds the Express router of the whole contract. */
/** A `node:http` request handler that answers what it can and passes the rest to `next`. */
export type PollHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export function createRouter(deps: RouterDeps): Router & { handlePoll: PollHandler } {
  const { services: s } = deps;
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  async function offerFor(clientId: string): Promise<{ offer: Offer; source: 'cache' | 'database' }> {
    const cached = deps.offers.get(clientId, deps.now().getTime());
    if (cached) return { offer: cached, source: 'cache' };
    const stamp = deps.offers.stamp(clientId);
    const offer = await s.agent.currentOffer(clientId);
    deps.offers.set(clientId, offer, stamp);
    return { offer, source: 'database' };
  }

  // ---- getUpdates: the hot path -----------------------------------------------------------------------------

  /** The response headers of a 200 poll answer, made once per offer. */
  const wireOf = new WeakMap<Offer, string[]>();
  function headersOf(offer: Offer): string[] {
    let h = wireOf.get(offer);
    if (!h) {
      h = [
        'ETag',
        offer.etag,
        'Cache-Control',
        'no-cache',
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        String(Buffer.byteLength(offer.json)),
      ];
      wireOf.set(offer, h);
    }
    return h;
  }

  /**
   * Writes a poll answer straight to the socket (no `res.json`, no ETag computation: the offer carries its
   * serialised body and entity tag). `requestId` is given when `X-Request-Id` was not set on `res` yet.
   */
  function sendPoll(
    res: Response,
    offer: Offer,
    source: 'cache' | 'database',
    ifNoneMatch: string | undefined,
    requestId?: string,
  ): void {
    const notModified = etagMatches(ifNoneMatch, offer.etag);
    deps.metrics.countPoll(source, notModified);
    if (notModified) {
      res.writeHead(304, requestId ? ['ETag', offer.etag, 'X-Request-Id', requestId] : ['ETag', offer.etag]);
      res.end();
    } else {
      const headers = headersOf(offer);
      res.writeHead(200, requestId ? [...headers, 'X-Request-Id', requestId] : headers);
      res.end(offer.json);
    }
  }

  /** Whether a long poll should wait for a change (it is given `?wait=` and has nothing new yet). */
  const shouldWait = (offer: Offer, wait: number, ifNoneMatch: string | undefined) =>
    wait > 0 && !deps.offers.closed && (etagMatches(ifNoneMatch, offer.etag) || !offer.body.available);

  /**
   * A poll answered asynchronously (a cache miss or a long poll): reads the offer and, for a long poll with nothing
   * new, waits until the entity tag moves, the wait ends, the client goes away ({@link abort}) or the GCC closes,
   * re-reading the offer after each wake-up. While it waits it is parked in the offer cache itself, so a held poll
   * costs this one object: no promise, timer, closure or AbortSignal per wait (issue 12, item 6).
   */
  abstract class PollLoop extends OfferWaiter {
    offer: Offer | undefined = undefined;
    source: 'cache' | 'database' = 'cache';
    private seenEtag = '';
    private until = 0;
    private gone = false;

    constructor(
      readonly client: string,
      private readonly wait: number,
      readonly ifNoneMatch: string | undefined,
    ) {
      super();
    }

    /** Answers with `offer` and `source`. */
    protected abstract done(): void;
    protected abstract failed(error: unknown): void;

    /** Starts with `cached` (the client's cached offer) or a read. */
    start(cached?: Offer): void {
      try {
        if (cached) this.first(cached, 'cache');
        else
          offerFor(this.client)
            .then((r) => this.first(r.offer, r.source))
            .catch((error: unknown) => this.failed(error));
      } catch (error) {
        this.failed(error);
      }
    }

    /** The client went away: the wait ends (the offer is read once more and answered, as before). */
    abort(): void {
      if (this.gone) return;
      this.gone = true;
      if (this.parked) {
        deps.offers.unpark(this);
        this.woken();
      }
    }

    woken(): void {
      queueMicrotask(() => this.resume());
    }

    private first(offer: Offer, source: 'cache' | 'database'): void {
      this.offer = offer;
      this.source = source;
      if (!shouldWait(offer, this.wait, this.ifNoneMatch)) {
        this.done();
        return;
      }
      this.seenEtag = offer.etag;
      this.until = Date.now() + this.wait * 1000;
      this.again();
    }

    /** Waits (again), or answers once the wait is over. */
    private again(): void {
      if (this.gone || deps.offers.closed || Date.now() >= this.until) {
        this.done();
        return;
      }
      const limit = Math.min(this.until - Date.now(), this.offer!.validUntil - deps.now().getTime());
      deps.offers.park(this.client, limit, this);
    }

    private resume(): void {
      try {
        // Woken by close(): answer what is known now, without another read (the database may be closing too).
        if (deps.offers.closed) {
          this.done();
          return;
        }
        offerFor(this.client)
          .then((r) => {
            this.offer = r.offer;
            this.source = r.source;
            if (r.offer.etag !== this.seenEtag) this.done();
            else this.again();
          })
          .catch((error: unknown) => this.failed(error));
      } catch (error) {
        this.failed(error);
      }
    }
  }

  /** {@link PollLoop} for the usual route's `getUpdates`: a promise. */
  class PromisedPoll extends PollLoop {
    constructor(
      clientId: string,
      wait: number,
      ifNoneMatch: string | undefined,
      private readonly resolve: (r: { offer: Offer; source: 'cache' | 'database' }) => void,
      private readonly reject: (error: unknown) => void,
    ) {
      super(clientId, wait, ifNoneMatch);
    }
    protected done(): void {
      this.resolve({ offer: this.offer!, source: this.source });
    }
    protected failed(error: unknown): void {
      this.reject(error);
    }
  }

  /** The offer to answer, after a long poll's wait: until the entity tag moves, the wait ends or the GCC closes. */
  function pollOffer(
    clientId: string,
    wait: number,
    ifNoneMatch: string | undefined,
    res: Response,
  ): Promise<{ offer: Offer; source: 'cache' | 'database' }> {
    return new Promise((resolve, reject) => {
      const poll = new PromisedPoll(clientId, wait, ifNoneMatch, resolve, reject);
      res.once('close', () => poll.abort());
      poll.start();
    });
  }

  /** Client ids of agent principals already found valid against the contract's `ClientId` (computed once each). */
  const validClientIds = new Map<string, boolean>();
  function isValidClientId(id: string): boolean {
    let ok = validClientIds.get(id);
    if (ok === undefined) {
      ok = schemaOf('ClientId', 'request').safeParse(id).success;
      if (validClientIds.size >= 250_000) validClientIds.clear();
      validClientIds.set(id, ok);
    }
    return ok;
  }

  const operations: Operation[] = [
    // releases
    {
      id: 'listReleases',
      method: 'get',
      path: '/api/v1/releases',
      roles: ['admin', 'ci'],
      query: { component: { schema: 'Component' }, cursor: CURSOR, limit: LIMIT },
      run: async ({ query }) =>
        ok(await s.releases.list(query.component ? { component: String(query.component) } : {}, page(query))),
    },
    {
      id: 'createRelease',
      method: 'post',
      path: '/api/v1/releases',
      roles: ['ci', 'admin'],
      body: { schema: 'ReleaseCreate' },
      idempotent: true,
      run: async ({ who, body }, tx) => {
        const r = await s.releases.create(who, body as never, tx);
        return ok(r.release, r.created ? 201 : 200);
      },
    },
    {
      id: 'getRelease',
      method: 'get',
      path: '/api/v1/releases/:release_id',
      roles: ['admin', 'ci'],
      run: async ({ path }) => ok(await s.releases.get(path.release_id!)),
    },
    // clients
    {
      id: 'listClients',
      method: 'get',
      path: '/api/v1/clients',
      roles: ['admin'],
      query: { selector: { schema: 'LabelSelector' }, cursor: CURSOR, limit: LIMIT },
      run: async ({ query }) =>
        ok(await s.clients.list(query.selector ? { selector: String(query.selector) } : {}, page(query))),
    },
    {
      id: 'createClient',
      method: 'post',
      path: '/api/v1/clients',
      roles: ['admin'],
      body: { schema: 'ClientCreate' },
      idempotent: true,
      run: async ({ who, body }, tx) => ok(await s.clients.create(who, body as never, tx), 201),
    },
    {
      id: 'getClient',
      method: 'get',
      path: '/api/v1/clients/:client_id',
      roles: ['admin', 'approver', 'agent'],
      run: async ({ path }) => ok(await s.clients.get(path.client_id!)),
    },
    {
      id: 'updateClient',
      method: 'patch',
      path: '/api/v1/clients/:client_id',
      roles: ['admin'],
      body: { schema: 'ClientPatch', types: ['application/merge-patch+json', 'application/json'] },
      run: async ({ who, path, body }) => ok(await s.clients.update(who, path.client_id!, body as never)),
    },
    {
      id: 'createClientToken',
      method: 'post',
      path: '/api/v1/clients/:client_id/tokens',
      roles: ['admin'],
      body: { schema: 'TokenCreate' },
      idempotent: true,
      run: async ({ who, path, body }, tx) => {
        const b = body as {
          role: 'agent' | 'approver';
          description?: string;
          expires_at?: string;
          ttl_seconds?: number;
        };
        const t = await s.tokens.issue(
          who,
          {
            role: b.role,
            clientId: path.client_id!,
            ...(b.description !== undefined && { description: b.description }),
            ...(b.expires_at !== undefined && { expiresAt: new Date(b.expires_at) }),
            ...(b.ttl_seconds !== undefined && { ttlSeconds: b.ttl_seconds }),
          },
          tx,
        );
        return ok(
          {
            id: t.id,
            role: t.role,
            client_id: t.client_id,
            token: t.token,
            created_at: t.created_at,
            expires_at: t.expires_at,
          },
          201,
        );
      },
    },
    {
      id: 'revokeClientToken',
      method: 'delete',
      path: '/api/v1/clients/:client_id/tokens/:token_id',
      roles: ['admin'],
      run: async ({ who, path }) => {
        await s.tokens.revoke(who, path.token_id!, path.client_id!);
        // This replica at once; the others on the notification (or within the token cache's TTL).
        deps.tokens.drop(path.token_id!);
        return { status: 204 };
      },
    },
    {
      id: 'revokeToken',
      method: 'delete',
      path: '/api/v1/tokens/:token_id',
      roles: ['admin'],
      run: async ({ who, path }) => {
        await s.tokens.revoke(who, path.token_id!);
        deps.tokens.drop(path.token_id!);
        return { status: 204 };
      },
    },
    // the caller's own token
    {
      id: 'whoami',
      method: 'get',
      path: '/api/v1/whoami',
      roles: ['admin', 'ci', 'approver', 'agent'],
      self: true,
      // Read from the principal the token lookup (and its cache, as for every operation) already made: no query,
      // no write. Not `deps.seen`: an agent asking who it is is no heartbeat.
      run: async ({ who }) => {
        const scoped = who.role === 'agent' || who.role === 'approver';
        return ok({
          token_id: who.tokenId ?? null,
          role: who.role,
          client_id: scoped ? (who.clientId ?? null) : null,
          name: scoped ? null : who.name,
          expires_at: who.expiresAt ? who.expiresAt.toISOString() : null,
        });
      },
    },
    // approvals
    {
      id: 'getAutoApprove',
      method: 'get',
      path: '/api/v1/clients/:client_id/auto-approve',
      roles: ['approver', 'admin'],
      run: async ({ path }) => ok(await s.clients.getAutoApprove(path.client_id!)),
    },
    {
      id: 'setAutoApprove',
      method: 'put',
      path: '/api/v1/clients/:client_id/auto-approve',
      roles: ['approver', 'admin'],
      body: { schema: 'AutoApprovePreference' },
      run: async ({ who, path, body }) =>
        ok(await s.clients.setAutoApprove(who, path.client_id!, body as never)),
    },
    {
      id: 'getClientSettings',
      method: 'get',
      path: '/api/v1/clients/:client_id/settings',
      roles: ['approver', 'admin'],
      run: async ({ path }) => ok(await s.clients.getSettings(path.client_id!)),
    },
    {
      id: 'updateClientSettings',
      method: 'patch',
      path: '/api/v1/clients/:client_id/settings',
      roles: ['approver', 'admin'],
      body: { schema: 'ClientSettingsPatch', also: (v) => s.clients.settingsProblems(v) },
      run: async ({ who, path, body }) =>
        ok(await s.clients.updateSettings(who, path.client_id!, body as never)),
    },
    {
      id: 'listClientTasks',
      method: 'get',
      path: '/api/v1/clients/:client_id/tasks',
      roles: ['approver', 'admin'],
      query: { status: { schema: 'TaskStatus' }, cursor: CURSOR, limit: LIMIT },
      run: async ({ path, query }) =>
        ok(
          await s.clients.listTasks(
            path.client_id!,
            query.status !== undefined ? { status: query.status as never } : {},
            page(query),
          ),
        ),
    },
    {
      id: 'listPendingApprovals',
      method: 'get',
      path: '/api/v1/clients/:client_id/pending-approvals',
      roles: ['approver', 'admin'],
      query: { cursor: CURSOR, limit: LIMIT },
      run: async ({ path, query }) => ok(await s.approvals.listPending(path.client_id!, page(query))),
    },
    {
      id: 'approveTask',
      method: 'post',
      path: '/api/v1/clients/:client_id/pending-approvals/:task_id/approve',
      roles: ['approver', 'admin'],
      body: { schema: 'ApproveRequest' },
      run: async ({ who, path, body }) =>
        ok(await s.approvals.approve(who, path.client_id!, path.task_id!, body as never)),
    },
    {
      id: 'rejectTask',
      method: 'post',
      path: '/api/v1/clients/:client_id/pending-approvals/:task_id/reject',
      roles: ['approver', 'admin'],
      body: { schema: 'RejectRequest' },
      run: async ({ who, path, body }) =>
        ok(await s.approvals.reject(who, path.client_id!, path.task_id!, body as never)),
    },
    // agent
    {
      id: 'getUpdates',
      method: 'get',
      path: '/api/v1/clients/:client_id/updates',
      roles: ['agent'],
      query: { wait: WAIT },
      run: async ({ path, query, req, res }): Promise<Answer> => {
        const clientId = path.client_id!;
        const ifNoneMatch = req.headers['if-none-match'];
        if (ifNoneMatch !== undefined && ifNoneMatch.length > MAX_IF_NONE_MATCH) {
          throw new GccServiceError('validation_failed', 'If-None-Match is too long.', [
            { path: '/header/If-None-Match', message: `must be at most ${MAX_IF_NONE_MATCH} characters` },
          ]);
        }
        deps.seen(clientId);
        const { offer, source } = await pollOffer(clientId, Number(query.wait), ifNoneMatch, res);
        sendPoll(res, offer, source, ifNoneMatch);
        return SENT;
      },
    },
    {
      id: 'reportStatus',
      method: 'post',
      path: '/api/v1/clients/:client_id/status',
      roles: ['agent'],
      body: { schema: 'StatusReport' },
      run: async ({ who, path, body }) => ok(await s.agent.report(who, path.client_id!, body as never)),
    },
    // deployments
    {
      id: 'listDeployments',
      method: 'get',
      path: '/api/v1/deployments',
      roles: ['admin'],
      query: { status: { schema: 'DeploymentStatus' }, cursor: CURSOR, limit: LIMIT },
      run: async ({ query }) =>
        ok(await s.deployments.list(query.status ? { status: query.status as never } : {}, page(query))),
    },
    {
      id: 'createDeployment',
      method: 'post',
      path: '/api/v1/deployments',
      roles: ['admin'],
      body: { schema: 'DeploymentCreate' },
      idempotent: true,
      run: async ({ who, body }, tx) => ok(await s.deployments.create(who, body as never, tx), 201),
    },
    {
      id: 'previewDeployment',
      method: 'post',
      path: '/api/v1/deployments/preview',
      roles: ['admin'],
      body: { schema: 'DeploymentCreate' },
      run: async ({ body }) => ok(await s.deployments.preview(body as never)),
    },
    {
      id: 'getDeployment',
      method: 'get',
      path: '/api/v1/deployments/:deployment_id',
      roles: ['admin'],
      run: async ({ path, req }): Promise<Answer> => {
        const ifNoneMatch = req.headers['if-none-match'];
        if (ifNoneMatch !== undefined && ifNoneMatch.length > MAX_IF_NONE_MATCH) {
          throw new GccServiceError('validation_failed', 'If-None-Match is too long.', [
            { path: '/header/If-None-Match', message: `must be at most ${MAX_IF_NONE_MATCH} characters` },
          ]);
        }
        const body = await s.deployments.get(path.deployment_id!);
        // The tag is a digest of the whole answer: anything that changes in it (a task's status moves the counts, a
        // stage, the deployment's status) changes the tag, and nothing else does.
        const etag = `"d-${sha256(JSON.stringify(body)).slice(0, 32)}"`;
        const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
        if (etagMatches(ifNoneMatch, etag)) return { status: 304, headers };
        return { status: 200, body, headers };
      },
    },
    {
      id: 'listDeploymentTasks',
      method: 'get',
      path: '/api/v1/deployments/:deployment_id/tasks',
      roles: ['admin'],
      query: {
        status: { schema: 'TaskStatus' },
        client_id: { schema: 'ClientId' },
        stage: STAGE,
        q: SEARCH,
        cursor: CURSOR,
        limit: LIMIT,
      },
      run: async ({ path, query }) =>
        ok(
          await s.deployments.listTasks(
            path.deployment_id!,
            {
              ...(query.status !== undefined && { status: query.status as never }),
              ...(query.client_id !== undefined && { client_id: String(query.client_id) }),
              ...(query.stage !== undefined && { stage: Number(query.stage) }),
              ...(query.q !== undefined && { q: String(query.q) }),
            },
            page(query),
          ),
        ),
    },
    ...(['pause', 'resume', 'abort'] as const).map(
      (verb): Operation => ({
        id: `${verb}Deployment`,
        method: 'post',
        path: `/api/v1/deployments/:deployment_id/${verb}`,
        roles: ['admin'],
        run: async ({ who, path }) => ok(await s.deployments.control(who, path.deployment_id!, verb)),
      }),
    ),
    {
      id: 'rollbackDeployment',
      method: 'post',
      path: '/api/v1/deployments/:deployment_id/rollback',
      roles: ['admin'],
      body: { schema: 'RollbackRequest', optional: true },
      idempotent: true,
      run: async ({ who, path, body }, tx) =>
        ok(await s.deployments.rollback(who, path.deployment_id!, (body ?? {}) as never, tx), 201),
    },
    {
      id: 'forceApproveTask',
      method: 'post',
      path: '/api/v1/deployments/:deployment_id/tasks/:task_id/force-approve',
      roles: ['admin'],
      body: { schema: 'ForceApproveRequest' },
      run: async ({ who, path, body }) =>
        ok(await s.deployments.forceApprove(who, path.deployment_id!, path.task_id!, body as never)),
    },
    // auto-approve policies
    {
      id: 'listAutoApprovePolicies',
      method: 'get',
      path: '/api/v1/auto-approve-policies',
      roles: ['admin'],
      query: { cursor: CURSOR, limit: LIMIT },
      run: async ({ query }) => ok(await s.policies.list(page(query))),
    },
    {
      id: 'createAutoApprovePolicy',
      method: 'post',
      path: '/api/v1/auto-approve-policies',
      roles: ['admin'],
      body: { schema: 'AutoApprovePolicyCreate' },
      idempotent: true,
      run: async ({ who, body }, tx) => ok(await s.policies.create(who, body as never, tx), 201),
    },
    {
      id: 'deleteAutoApprovePolicy',
      method: 'delete',
      path: '/api/v1/auto-approve-policies/:policy_id',
      roles: ['admin'],
      run: async ({ who, path }) => {
        await s.policies.delete(who, path.policy_id!);
        return { status: 204 };
      },
    },
    // audit
    {
      id: 'listAudit',
      method: 'get',
      path: '/api/v1/audit',
      roles: ['admin'],
      query: {
        deployment_id: { schema: 'DeploymentId' },
        client_id: { schema: 'ClientId' },
        actor: ACTOR,
        cursor: CURSOR,
        limit: LIMIT,
      },
      run: async ({ query }) =>
        ok(
          await s.audit.list(
            {
              ...(query.deployment_id !== undefined && { deployment_id: String(query.deployment_id) }),
              ...(query.client_id !== undefined && { client_id: String(query.client_id) }),
              ...(query.actor !== undefined && { actor: String(query.actor) }),
            },
            page(query),
          ),
        ),
    },
  ];

  // ---- request plumbing -------------------------------------------------------------------------------------

  const requestIdOf = (req: Request): string => (res_locals(req).requestId as string | undefined) ?? '';
  function res_locals(req: Request): Record<string, unknown> {
    return (req.res?.locals ?? {}) as Record<string, unknown>;
  }

  /** Metrics and the access log line of one answered (or abandoned) request. */
  function record(
    req: Request,
    res: Response,
    operation: string,
    started: number,
    id: string,
    finished = res.writableFinished,
  ): void {
    const status = res.statusCode;
    const ms = performance.now() - started;
    // As before: only answered requests count in the metrics.
    if (finished) deps.metrics.observeRequest(operation, req.method, status, ms / 1000);
    // Successful polls (the hot path, 100,000 agents) log at debug; nothing is built unless the level is on.
    const level = status >= 500 ? 'error' : operation === 'getUpdates' && status < 400 ? 'debug' : 'info';
    if (!deps.logger.isLevelEnabled(level)) return;
    // Only what is safe to log: never headers (Authorization) or bodies.
    deps.logger[level](
      {
        // The query's values are redacted (a credential in a URL must not reach the logs): see loggableUrl.
        req: { id, method: req.method, url: loggableUrl(req.originalUrl ?? req.url) },
        res: { statusCode: status },
        ...(operation !== 'unknown' && { operation }),
        responseTime: Math.round(ms),
      },
      status >= 500 ? 'request errored' : finished ? 'request completed' : 'request aborted',
    );
  }

  /** The usual route: request id header, metrics and log once the response is done, then Express routing. */
  function routed(req: Request, res: Response, next: NextFunction, id: string, started: number): void {
    // A request {@link handlePoll} took before Express and hands back: Express (and this router in it) takes it
    // from the start, so nothing is recorded or set here.
    if (beforeExpress.delete(req)) {
      next();
      return;
    }
    res.setHeader('X-Request-Id', id);
    res.once('close', () =>
      record(req, res, (res.locals.operation as string | undefined) ?? 'unknown', started, id),
    );
    next();
  }

  /** Requests {@link handlePoll} is handling before Express (plain `node:http` objects: no `res.locals`, no `req.ip`). */
  const beforeExpress = new WeakSet<object>();

  /**
   * The host's `authenticate` answer for a request the poll fast path handed on, so the hook runs once per
   * request.
   */
  const hostAuth = new WeakMap<Request, { principal: Principal | undefined } | { error: unknown }>();

  /**
   * The poll fast path, before Express's route matching: `GET …/clients/<id>/updates` of an agent whose token is
   * already known, for its own (valid) client id, with nothing unusual in the request. An answer from the cache
   * is written synchronously. Anything else goes the usual route, which answers it (errors included) exactly as
   * before.
   */
  function fastPoll(req: Request, res: Response, next: NextFunction, id: string, started: number): void {
    const m = POLL_URL.exec(req.url);
    if (!m) {
      routed(req, res, next, id, started);
      return;
    }
    // A source blocked for failed authentications goes the usual route, which answers 429 before any token check.
    const limiter = deps.authLimiter;
    // (Before Express, `req.ip` and `trust proxy` are not there yet: any block sends the request through Express.)
    if (limiter?.anyBlocked() && (beforeExpress.has(req) || limiter.retryAfter(sourceOf(req)) > 0)) {
      routed(req, res, next, id, started);
      return;
    }
    if (deps.authenticate) {
      let hosted: Principal | undefined | Promise<Principal | undefined>;
      try {
        hosted = deps.authenticate(req);
      } catch (error) {
        hostAuth.set(req, { error });
        routed(req, res, next, id, started);
        return;
      }
      if (isThenable(hosted)) {
        Promise.resolve(hosted)
          .then(
            (principal) => {
              hostAuth.set(req, { principal });
              if (principal) poll(req, res, next, id, started, m, principal);
              else bearerPoll(req, res, next, id, started, m);
            },
            (error: unknown) => {
              hostAuth.set(req, { error });
              routed(req, res, next, id, started);
            },
          )
          .catch(next);
        return;
      }
      hostAuth.set(req, { principal: hosted });
      if (hosted) {
        poll(req, res, next, id, started, m, hosted);
        return;
      }
    }
    bearerPoll(req, res, next, id, started, m);
  }

  function bearerPoll(
    req: Request,
    res: Response,
    next: NextFunction,
    id: string,
    started: number,
    m: RegExpExecArray,
  ): void {
    const auth = req.headers.authorization;
    const bearer = auth ? BEARER.exec(auth) : null;
    const who = bearer ? deps.tokens.peek(bearer[1]!) : null;
    if (who) {
      poll(req, res, next, id, started, m, who);
      return;
    }
    if (!bearer) {
      routed(req, res, next, id, started);
      return;
    }
    // A token not cached: its first use (every agent's, right after a GCC start), or its entry was evicted or not
    // confirmed for the token cache's TTL. Looked up here, so the poll stays on the fast path (a held poll costs much
    // less memory there, issue 12 item 6), together with the client's offer in one statement: a cold poll with
    // nothing to hand out costs one round trip. A refused token or a failed lookup goes the usual route, which
    // answers it exactly as before (401 and the failure limiter, 503…).
    const clientId = m[1]!;
    const stamp = deps.offers.stamp(clientId);
    let read: Offer | undefined;
    const lookup = async (hash: string) => {
      const r = await s.agent.authorizedOffer(hash, clientId);
      read = r.offer;
      return r.record;
    };
    let gone = false;
    const onClose = () => {
      gone = true;
    };
    res.on('close', onClose);
    const then = (principal: Principal | undefined) => {
      res.off('close', onClose);
      // Only an agent token of this very client reads its offer: stored as any read is (unless changed meanwhile).
      if (principal && read) deps.offers.set(clientId, read, stamp);
      // The client left during the lookup: logged as the usual route would ("request aborted").
      if (gone) record(req, res, 'getUpdates', started, id);
      else if (principal) poll(req, res, next, id, started, m, principal, read ? 'database' : 'cache');
      else routed(req, res, next, id, started);
    };
    deps.tokens
      .resolve(bearer[1]!, lookup)
      .then(then, () => then(undefined))
      .catch(next);
  }

  /** {@link PollLoop} of the poll fast path: answers on the response itself. */
  class FastPoll extends PollLoop {
    private closeSeen = false;

    constructor(
      clientId: string,
      wait: number,
      ifNoneMatch: string | undefined,
      private readonly req: Request,
      private readonly res: Response,
      private readonly id: string,
      private readonly started: number,
    ) {
      super(clientId, wait, ifNoneMatch);
    }

    /** The response's `close`: metrics and access log, as for any request; a wait in progress ends. */
    closed(): void {
      if (this.closeSeen) return;
      this.closeSeen = true;
      record(this.req, this.res, 'getUpdates', this.started, this.id);
      this.abort();
    }

    protected done(): void {
      const res = this.res;
      if (!res.headersSent && !res.writableEnded)
        sendPoll(res, this.offer!, this.source, this.ifNoneMatch, this.id);
    }

    protected failed(error: unknown): void {
      if (!this.res.headersSent) this.res.setHeader('X-Request-Id', this.id);
      fail(error, this.req, this.res, (this.req.originalUrl ?? this.req.url).split('?')[0]!, this.id);
    }
  }

  function poll(
    req: Request,
    res: Response,
    next: NextFunction,
    id: string,
    started: number,
    m: RegExpExecArray,
    who: Principal,
    source: 'cache' | 'database' = 'cache',
  ): void {
    const clientId = m[1]!;
    const ifNoneMatch = req.headers['if-none-match'];
    if (
      who.role !== 'agent' ||
      who.clientId !== clientId ||
      !isValidClientId(clientId) ||
      (ifNoneMatch !== undefined && ifNoneMatch.length > MAX_IF_NONE_MATCH)
    ) {
      routed(req, res, next, id, started);
      return;
    }
    let wait = 0;
    if (m[2] !== undefined) {
      try {
        // `wait=<digits>`, as agents send it, is read from the URL (no `req.query`: Express would parse the URL and
        // keep the result on the request); anything else goes through `req.query` as before.
        const only = WAIT_ONLY.exec(m[2]);
        const query = only ? { wait: only[1] } : (req.query as Record<string, unknown>);
        wait = Number(checkQuery(query, POLL_QUERY).wait);
      } catch {
        routed(req, res, next, id, started);
        return;
      }
    }
    if (res.locals) res.locals.operation = 'getUpdates';
    deps.seen(clientId);
    const cached = deps.offers.get(clientId, deps.now().getTime());
    if (cached && !shouldWait(cached, wait, ifNoneMatch)) {
      sendPoll(res, cached, source, ifNoneMatch, id);
      record(req, res, 'getUpdates', started, id, true);
      return;
    }
    // A cache miss or a long poll: asynchronous, tracked like any other request. Express's routing state
    // (`req.next` and the closures behind it) is never used again for it: dropped, so a held poll does not keep it.
    req.next = undefined;
    const poll = new FastPoll(clientId, wait, ifNoneMatch, req, res, id, started);
    res.on('close', () => poll.closed());
    poll.start(cached);
  }

  /**
   * The poll fast path in front of Express (see {@link Gcc.handlePoll}): an agent's `GET /api/v1/clients/<id>/updates`
   * at the server's root, with a cached or valid agent token, is answered (or held) here on the plain `node:http`
   * objects; anything else, and anything this path would hand to the usual route, goes to `next` untouched.
   */
  function handlePoll(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    // The URL is matched once, by fastPoll: anything else comes back through routed() to `next`.
    if (req.method !== 'GET' || deps.authenticate) {
      next();
      return;
    }
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : newRequestId();
    beforeExpress.add(req);
    fastPoll(req as Request, res as Response, (() => next()) as NextFunction, id, started);
  }

  router.use((req, res, next) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : newRequestId();
    res.locals.requestId = id;
    if (req.method === 'GET') fastPoll(req, res, next, id, started);
    else routed(req, res, next, id, started);
  });

  router.get('/.well-known/wrktalk-signing-keys', (_req, res) => {
    res.locals.operation = 'getSigningKeys';
    res.json({ keys: deps.signingKeys ?? [] });
  });
  // The contract itself, no token: the document this router implements (shipped in @wrktalk/sdk-gcc).
  router.get('/api/v1/openapi.yaml', (_req, res) => {
    res.locals.operation = 'getOpenApiYaml';
    res.type('application/yaml').send(OPENAPI_YAML);
  });
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.locals.operation = 'getOpenApiJson';
    res.type('application/json').send(OPENAPI_JSON);
  });
  router.get('/healthz', (_req, res) => {
    res.locals.operation = 'healthz';
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.locals.operation = 'readyz';
    const r = await deps.readiness();
    res.status(r.ok ? 200 : 503).json(r.body);
  });
  router.get('/metrics', async (_req, res) => {
    res.locals.operation = 'metrics';
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  async function principalOf(req: Request): Promise<Principal> {
    if (deps.authenticate) {
      const pre = hostAuth.get(req);
      if (pre && 'error' in pre) throw pre.error;
      const p = pre ? pre.principal : await deps.authenticate(req);
      if (p) return p;
    }
    const m = BEARER.exec(req.get('authorization') ?? '');
    const p = m ? await deps.tokens.resolve(m[1]!) : undefined;
    if (!p) {
      // A presented token that was refused (unknown, revoked, expired) counts against the source.
      if (m && deps.authLimiter) {
        const source = sourceOf(req);
        if (deps.authLimiter.fail(source)) {
          deps.logger.warn(
            { source, ...deps.authLimiter.limit },
            'too many failed authentications: source blocked',
          );
        }
      }
      throw new GccServiceError('unauthorized', 'A valid bearer token is required.');
    }
    return p;
  }

  async function readBody(
    req: Request,
    res: Response,
    spec: NonNullable<Operation['body']>,
  ): Promise<unknown> {
    const types = spec.types ?? JSON_TYPES;
    const hasBody =
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') ||
      req.headers['transfer-encoding'] !== undefined;
    const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const preParsed = (req as { body?: unknown }).body;
    if (spec.optional && !hasBody && !type && preParsed === undefined) return undefined;
    if (!types.includes(type)) {
      throw new GccServiceError('unsupported_media_type', `Send the body as ${types.join(' or ')}.`);
    }
    let value: unknown;
    if (preParsed !== undefined && !Buffer.isBuffer(preParsed) && typeof preParsed !== 'string') {
      // A host app's express.json() already parsed it.
      value = preParsed;
    } else {
      if (preParsed === undefined) {
        checkContentEncoding(req.headers['content-encoding']);
        await new Promise<void>((resolve, reject) =>
          raw(req, res, (e?: unknown) => (e ? reject(e) : resolve())),
        );
      }
      const b = (req as { body?: unknown }).body;
      const text = Buffer.isBuffer(b) ? b.toString('utf8') : typeof b === 'string' ? b : '';
      if (Buffer.byteLength(text) > deps.maxBodyBytes) {
        throw new GccServiceError('payload_too_large', `The body is larger than ${deps.maxBodyBytes} bytes.`);
      }
      if (spec.optional && text.trim() === '') return undefined;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new GccServiceError(
          'malformed_json',
          `The body is not valid JSON: ${(error as Error).message}`,
        );
      }
    }
    checkJsonDepth(value);
    return checkSchema(spec.schema, value, '', spec.also);
  }

  function handle(op: Operation) {
    return async (req: Request, res: Response) => {
      res.locals.operation = op.id;
      const instance = req.originalUrl.split('?')[0]!;
      try {
        const limiter = deps.authLimiter;
        const wait = limiter?.anyBlocked() ? limiter.retryAfter(sourceOf(req)) : 0;
        if (wait > 0) {
          sendRateLimited(res, wait, instance, requestIdOf(req));
          return;
        }
        const who = await principalOf(req);
        if (!op.roles.includes(who.role)) {
          throw new GccServiceError('forbidden', `Role ${who.role} may not call ${op.id}.`);
        }
        const path: Record<string, string> = {};
        const pathErrors = [];
        const malformed = res.locals.malformedPath as string[] | undefined;
        for (const [name, value] of Object.entries(req.params as Record<string, string>)) {
          if (malformed?.includes(name)) {
            pathErrors.push({ path: `/path/${name}`, message: 'must be valid percent-encoded UTF-8' });
            continue;
          }
          const schema = PATH_SCHEMAS[name];
          try {
            path[name] = schema ? checkSchema<string>(schema, value, `/path/${name}`) : value;
          } catch (e) {
            if (isGccServiceError(e) && e.errors) pathErrors.push(...e.errors);
            else throw e;
          }
        }
        if (pathErrors.length)
          throw new GccServiceError(
            'validation_failed',
            `${pathErrors.length} problem(s) in the path.`,
            pathErrors,
          );
        // A client-scoped token sees nothing of another client: 404, as if it did not exist.
        if (
          who.clientId !== undefined &&
          (who.role === 'agent' || who.role === 'approver') &&
          !op.self &&
          path.client_id !== who.clientId
        ) {
          throw new GccServiceError('not_found', `No client ${path.client_id ?? ''} for this token.`);
        }
        const query = checkQuery(req.query as Record<string, unknown>, op.query ?? {});
        let key: string | undefined;
        if (op.idempotent) {
          key = req.get('idempotency-key');
          if (key !== undefined && (key.length < 1 || key.length > 128)) {
            throw new GccServiceError('validation_failed', 'Idempotency-Key must be 1 to 128 characters.', [
              { path: '/header/Idempotency-Key', message: 'must be 1 to 128 characters' },
            ]);
          }
        }
        const body = op.body ? await readBody(req, res, op.body) : undefined;
        const call: Call = { who, path, query, body, req, res };
        let answer: Answer;
        if (key) {
          const scope = `${who.role}:${who.name}:${op.id}`;
          const fingerprint = sha256(`${req.method} ${instance} ${canonical(body ?? null)}`);
          // A token secret in the answer is stored sealed under the caller's bearer token (see IdempotencyService).
          const credential = BEARER.exec(req.get('authorization') ?? '')?.[1];
          const r = await s.idempotency.run(
            scope,
            key,
            fingerprint,
            async (tx) => {
              const a = await op.run(call, tx);
              return { status: a.status, body: a.body };
            },
            credential,
          );
          answer = {
            status: r.status,
            body: r.body,
            ...(r.replayed && { headers: { 'Idempotent-Replayed': 'true' } }),
          };
        } else {
          answer = await op.run(call);
        }
        if (res.headersSent || res.writableEnded) return;
        for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v);
        if (answer.body === undefined) res.status(answer.status).end();
        else res.status(answer.status).json(answer.body);
      } catch (error) {
        fail(error, req, res, instance);
      }
    };
  }

  function fail(
    error: unknown,
    req: Request,
    res: Response,
    instance: string,
    requestId = requestIdOf(req),
  ): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (isGccServiceError(error)) {
      sendProblem(res, error.code, error.detail, instance, requestId, error.errors, error.extensions);
      return;
    }
    const known = classifyError(error);
    if (known) {
      if (known.code === 'unavailable')
        deps.logger.warn({ err: error, requestId }, 'request failed: %s', known.code);
      else deps.logger.debug({ requestId, code: known.code }, 'request refused');
      sendProblem(res, known.code, known.detail, instance, requestId);
      return;
    }
    deps.logger.error({ err: error, requestId }, 'unexpected error');
    sendProblem(res, 'internal_error', 'Unexpected server error.', instance, requestId);
  }

  for (const op of operations) router[op.method](op.path, handle(op));

  // Anything else under /api/v1 is an unknown route; other paths are left to the host application.
  router.use('/api/v1', (req: Request, res: Response) => {
    res.locals.operation = 'unknown';
    sendProblem(
      res,
      'not_found',
      `No operation at ${req.method} ${req.originalUrl.split('?')[0]}.`,
      req.originalUrl.split('?')[0]!,
      requestIdOf(req),
    );
  });
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (
      !req.originalUrl.startsWith(`${req.baseUrl}/api/v1`) &&
      !['/healthz', '/readyz', '/metrics'].includes(req.path)
    ) {
      next(error);
      return;
    }
    const instance = req.originalUrl.split('?')[0]!;
    if (isParamDecodeError(error)) {
      // Express could not decode a path parameter: the operation answers (auth first), naming the bad parameters.
      const found = findRoute(operations, req.method, req.path);
      if (found) {
        req.params = found.params;
        res.locals.malformedPath = found.malformed;
        void handle(found.route)(req, res);
      } else {
        const detail = `No operation at ${req.method} ${instance}.`;
        sendProblem(res, 'not_found', detail, instance, requestIdOf(req));
      }
      return;
    }
    fail(error, req, res, instance);
  });
  return Object.assign(router, { handlePoll });
}
