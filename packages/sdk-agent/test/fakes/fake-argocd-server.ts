import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Application, ApplicationSpec, HelmParameter } from '../../src/executors';
import { strictify } from './strict-schema';

/**
 * A real HTTP server playing the Argo CD v3.5.1 REST API for Applications. It rejects with 400 any request whose
 * method + path, query parameter names or JSON body do not match `specs/argocd-swagger.json` (bodies validated with
 * Ajv against the swagger definitions, unknown fields rejected), keeps Applications in memory, and walks a sync
 * OutOfSync → Progressing → Synced/Healthy (Degraded for bad tags) over a few polls.
 */

interface SwaggerParameter {
  name: string;
  in: 'path' | 'query' | 'body' | 'header';
  schema?: { $ref?: string };
}
interface SwaggerOperation {
  operationId: string;
  parameters?: SwaggerParameter[];
}
interface Swagger {
  paths: Record<string, Record<string, SwaggerOperation>>;
  definitions: Record<string, unknown>;
}

const swagger = JSON.parse(
  readFileSync(new URL('./specs/argocd-swagger.json', import.meta.url), 'utf8'),
) as Swagger;

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  operation: SwaggerOperation;
  validateBody?: ValidateFunction;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const definitions = strictify(swagger.definitions);
// RawExtension (helm valuesObject) is arbitrary JSON on the wire, not the {raw} wrapper the proto declares.
definitions.runtimeRawExtension = { type: 'object' };
ajv.addSchema({ $id: 'argocd.json', definitions });

const routes: Route[] = Object.entries(swagger.paths).flatMap(([template, methods]) =>
  Object.entries(methods).map(([method, operation]) => {
    const names: string[] = [];
    const regex = new RegExp(
      `^${template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const ref = operation.parameters?.find((p) => p.in === 'body')?.schema?.$ref;
    const validateBody = ref ? ajv.compile({ $ref: `argocd.json${ref}` }) : undefined;
    return {
      method: method.toUpperCase(),
      template,
      regex,
      names,
      operation,
      ...(validateBody ? { validateBody } : {}),
    };
  }),
);
// Literal segments win over parameters (`/applications/{name}/spec` before a catch-all), like grpc-gateway.
routes.sort((a, b) => a.names.length - b.names.length);

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  operationId: string;
  query: Record<string, string[]>;
  authorization: string | undefined;
  body: unknown;
}

/** Behaviour switches; tests may change them between calls. */
export interface FakeArgoCdOptions {
  /** Required bearer token; requests without `Authorization: Bearer <token>` get 401. @default 'test-token' */
  token?: string;
  /** Tags whose rollout ends Degraded. @default [] */
  badTags?: string[];
  /** Sync is refused with 403 "blocked by sync window". @default false */
  syncWindow?: boolean;
  /** GETs answered from the pre-change snapshot after a spec change (informer cache lag). @default 0 */
  staleReadsAfterSpecChange?: number;
  /** GETs the app stays Progressing after a sync starts. @default 1 */
  progressingPolls?: number;
}

/** The running fake. */
export interface FakeArgoCd {
  url: string;
  options: Required<FakeArgoCdOptions>;
  requests: RecordedRequest[];
  apps: Map<string, Application>;
  /** Marks a sync as running (as if auto-sync started one); it completes like ours over the next polls. */
  startForeignOperation(name: string): void;
  close(): Promise<void>;
}

interface Internal {
  staleReads: number;
  /** Parameters the running operation syncs. */
  opParams?: string;
  snapshot?: Application;
  progress?: number;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function parameters(spec: ApplicationSpec | undefined): HelmParameter[] {
  if (!spec) return [];
  const sources = spec.sources?.length ? spec.sources : spec.source ? [spec.source] : [];
  return sources.flatMap((s) => s.helm?.parameters ?? []);
}

/**
 * `status.resources` as Argo CD keeps them inline: one Deployment `wrktalk-<component>` per `<component>.image.tag`
 * parameter, Degraded when it runs a bad tag.
 */
export function resourcesOf(params: HelmParameter[], namespace: string, badTags: readonly string[]) {
  return params
    .filter((p) => p.name?.endsWith('.image.tag'))
    .map((p) => {
      const deployment = `wrktalk-${p.name!.split('.')[0]}`;
      const bad = p.value !== undefined && badTags.includes(p.value);
      return {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace,
        name: deployment,
        status: 'Synced',
        health: bad
          ? { status: 'Degraded', message: `Deployment "${deployment}" exceeded its progress deadline` }
          : { status: 'Healthy' },
      };
    });
}

/** A single-source Helm Application as Argo CD returns it, Synced and Healthy on `tags`. */
export function argoApplication(
  name: string,
  tags: Record<string, string>,
  multiSource = false,
): Application {
  const helm = {
    valueFiles: ['values.yaml', `clients/${name}.yaml`],
    parameters: Object.entries(tags).map(([k, v]) => ({ name: k, value: v, forceString: true })),
  };
  const chart = { repoURL: 'https://charts.wrktalk.com', chart: 'wrktalk', targetRevision: '1.4.2', helm };
  const spec: ApplicationSpec = {
    project: 'default',
    destination: { server: 'https://kubernetes.default.svc', namespace: name },
    syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    ...(multiSource
      ? {
          sources: [
            { repoURL: 'https://git.wrktalk.com/values.git', targetRevision: 'main', ref: 'values' },
            chart,
          ],
        }
      : { source: chart }),
  };
  return {
    metadata: { name, namespace: 'argocd', resourceVersion: '1000', uid: `uid-${name}` },
    spec,
    status: {
      sync: {
        status: 'Synced',
        revision: '1.4.2',
        comparedTo: structuredClone({
          destination: spec.destination,
          ...(multiSource ? { sources: spec.sources } : { source: spec.source }),
        }),
      },
      health: { status: 'Healthy' },
      operationState: {
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt: '2026-01-01T00:00:00Z',
        finishedAt: '2026-01-01T00:00:30Z',
      },
      reconciledAt: '2026-01-01T00:00:30Z',
    },
  };
}

/** Starts the fake on an ephemeral port. */
export async function startFakeArgoCd(
  apps: Application[] = [],
  options: FakeArgoCdOptions = {},
): Promise<FakeArgoCd> {
  const opts: Required<FakeArgoCdOptions> = {
    token: 'test-token',
    badTags: [],
    syncWindow: false,
    staleReadsAfterSpecChange: 0,
    progressingPolls: 1,
    ...options,
  };
  const store = new Map(apps.map((a) => [a.metadata!.name!, structuredClone(a)]));
  const internal = new Map<string, Internal>();
  const requests: RecordedRequest[] = [];
  const state = (name: string) => {
    const found = internal.get(name);
    if (found) return found;
    const created: Internal = { staleReads: 0 };
    internal.set(name, created);
    return created;
  };
  const bumpVersion = (app: Application) => {
    app.metadata!.resourceVersion = String(Number(app.metadata!.resourceVersion ?? '0') + 1);
  };

  const refresh = (app: Application) => {
    app.status ??= {};
    const status = app.status;
    const synced =
      JSON.stringify(parameters(status.sync?.comparedTo as ApplicationSpec)) ===
      JSON.stringify(parameters(app.spec));
    status.sync = {
      ...status.sync,
      status: synced && status.sync?.status === 'Synced' ? 'Synced' : 'OutOfSync',
      comparedTo: structuredClone({
        destination: app.spec?.destination,
        ...(app.spec?.sources?.length ? { sources: app.spec.sources } : { source: app.spec?.source }),
      }),
    };
    status.reconciledAt = now();
  };

  const advance = (name: string, app: Application) => {
    const s = state(name);
    if (s.progress === undefined) return;
    const status = app.status!;
    s.progress += 1;
    const covers = s.opParams === JSON.stringify(parameters(app.spec));
    if (s.progress === 1) {
      status.sync = { ...status.sync, status: covers ? 'Synced' : 'OutOfSync' };
      status.health = { status: 'Progressing', message: 'Waiting for rollout to finish' };
    }
    if (s.progress > opts.progressingPolls) {
      const bad = (JSON.parse(s.opParams ?? '[]') as HelmParameter[]).some(
        (p) => p.value !== undefined && opts.badTags.includes(p.value),
      );
      status.health = bad
        ? { status: 'Degraded', message: 'Deployment "backend" exceeded its progress deadline' }
        : { status: 'Healthy' };
      status.sync = { ...status.sync, status: covers ? 'Synced' : 'OutOfSync' };
      status.operationState = {
        ...status.operationState,
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        finishedAt: now(),
      };
      status.summary = {
        images: parameters(app.spec).map((p) => `registry.wrktalk.com/wrktalk/x:${p.value}`),
      };
      status.resources = resourcesOf(JSON.parse(s.opParams ?? '[]') as HelmParameter[], name, opts.badTags);
      app.operation = undefined;
      delete app.operation;
      s.progress = undefined;
      bumpVersion(app);
    }
  };

  const startOperation = (name: string, app: Application, initiatedBy: string) => {
    const operation = { sync: { syncStrategy: { hook: {} } }, initiatedBy: { username: initiatedBy } };
    app.operation = operation;
    app.status = {
      ...app.status,
      sync: { ...app.status?.sync, status: 'OutOfSync' },
      operationState: {
        phase: 'Running',
        message: 'one or more tasks are running',
        startedAt: now(),
        operation,
      },
    };
    refresh(app);
    app.status.sync = { ...app.status.sync, status: 'OutOfSync' };
    state(name).progress = 0;
    state(name).opParams = JSON.stringify(parameters(app.spec));
    bumpVersion(app);
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  // grpc-gateway's error shape (runtimeError); the grpc code mirrors the HTTP status.
  const fail = (res: ServerResponse, status: number, grpcCode: number, message: string) =>
    send(res, status, { error: message, code: grpcCode, message, details: [] });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const route = routes.find((r) => r.method === method && r.regex.test(url.pathname));
    if (!route) return fail(res, 400, 3, `fake argocd: ${method} ${url.pathname} is not in swagger.json`);
    const match = route.regex.exec(url.pathname)!;
    const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(match[i + 1] ?? '')]));
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) {
      query[k] ??= [];
      query[k].push(v);
    }
    const allowedQuery = new Set(
      route.operation.parameters?.filter((p) => p.in === 'query').map((p) => p.name),
    );
    const unknownQuery = Object.keys(query).filter((k) => !allowedQuery.has(k));
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        return fail(res, 400, 3, 'fake argocd: body is not JSON');
      }
    }
    requests.push({
      method,
      path: url.pathname,
      operationId: route.operation.operationId,
      query,
      authorization: req.headers.authorization,
      body,
    });
    if (unknownQuery.length > 0) {
      return fail(
        res,
        400,
        3,
        `fake argocd: query parameters not in swagger.json: ${unknownQuery.join(', ')}`,
      );
    }
    if (route.validateBody) {
      if (body === undefined) return fail(res, 400, 3, 'fake argocd: request body required');
      if (!route.validateBody(body)) {
        const why = (route.validateBody.errors ?? [])
          .map((e) => `${e.instancePath || '/'} ${e.message}`)
          .join('; ');
        return fail(res, 400, 3, `fake argocd: body does not match swagger.json: ${why}`);
      }
    }
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return fail(res, 401, 16, 'no session information');
    const name = params.name ?? params['application.metadata.name'] ?? params.applicationName ?? '';
    const app = store.get(name);
    if (!app) {
      // Without ?project= Argo CD cannot tell "missing" from "not allowed".
      return query.project || query.projects
        ? fail(res, 404, 5, `applications.argoproj.io "${name}" not found`)
        : fail(res, 403, 7, 'permission denied');
    }
    const s = state(name);
    switch (route.operation.operationId) {
      case 'ApplicationService_Get': {
        if (s.staleReads > 0 && s.snapshot) {
          s.staleReads -= 1;
          return send(res, 200, s.snapshot);
        }
        if (query.refresh) refresh(app);
        advance(name, app);
        return send(res, 200, app);
      }
      case 'ApplicationService_UpdateSpec': {
        s.snapshot = structuredClone(app);
        s.staleReads = opts.staleReadsAfterSpecChange;
        app.spec = body as ApplicationSpec;
        refresh(app);
        bumpVersion(app);
        return send(res, 200, app.spec);
      }
      case 'ApplicationService_Sync': {
        if (opts.syncWindow) {
          return fail(res, 403, 7, `cannot sync: blocked by sync window`);
        }
        if (app.operation) return fail(res, 400, 9, 'another operation is already in progress');
        startOperation(name, app, 'admin');
        return send(res, 200, app);
      }
      default:
        return fail(res, 501, 12, `fake argocd does not implement ${route.operation.operationId}`);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => fail(res, 500, 13, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    options: opts,
    requests,
    apps: store,
    startForeignOperation(name) {
      const app = store.get(name);
      if (app) startOperation(name, app, 'automated');
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
