import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { Application, HelmParameter } from '../../src/executors';
import { resourcesOf } from './fake-argocd-server';
import { strictify } from './strict-schema';

/**
 * A real HTTP server playing the Kubernetes API paths `@kubernetes/client-node` uses for Argo CD Applications
 * (argoproj.io/v1alpha1) and apps/v1 Deployments: GET, PUT (409 on a stale resourceVersion) and PATCH (merge,
 * strategic merge, JSON patch). Application writes are validated against the CRD's openAPIV3Schema. It also plays
 * the controllers: Argo CD runs an `.operation` over a few GETs; the Deployment controller walks a rollout through
 * generations and conditions, ending in ProgressDeadlineExceeded for bad tags.
 */

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are free-form JSON here.
type Obj = Record<string, any>;

const crd = parse(
  readFileSync(new URL('./specs/argocd-application-crd.yaml', import.meta.url), 'utf8'),
) as Obj;
const applicationSchema = strictify(
  crd.spec.versions.find((v: Obj) => v.name === 'v1alpha1').schema.openAPIV3Schema,
  (node) => node['x-kubernetes-preserve-unknown-fields'] === true,
);
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validateApplication: ValidateFunction = ajv.compile(applicationSchema);

/** One request as the fake saw it. */
export interface KubeRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

/** Behaviour switches; tests may change them between calls. */
export interface FakeKubeOptions {
  /** Bearer token the fake requires. @default 'kube-token' */
  token?: string;
  /** Image tags that never become available (Deployment) or end Degraded (Application). @default [] */
  badTags?: string[];
  /** The next N writes carrying a resourceVersion (PUT, or PATCH with one) meet a concurrent writer: 409. @default 0 */
  conflictsOnWrite?: number;
  /** GETs during which the Application controller has not yet compared a spec change. @default 0 */
  staleReadsAfterSpecChange?: number;
  /** GETs an Application operation stays Running after it was picked up. @default 1 */
  operationPolls?: number;
  /** Verbs (e.g. `patch`) SelfSubjectAccessReview denies. @default [] */
  deniedVerbs?: string[];
}

/** The running fake. */
export interface FakeKube {
  url: string;
  options: Required<FakeKubeOptions>;
  requests: KubeRequest[];
  /** Objects by `kind/namespace/name`. */
  objects: Map<string, Obj>;
  /** A KubeConfig pointing at the fake (skipTLSVerify, since the URL is http). */
  kubeConfig(): KubeConfig;
  /** Starts an operation on an Application as if auto-sync did. */
  startForeignOperation(namespace: string, name: string): void;
  close(): Promise<void>;
}

const ROUTES: { kind: 'applications' | 'deployments'; regex: RegExp }[] = [
  {
    kind: 'applications',
    regex: /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/applications\/([^/]+)$/,
  },
  { kind: 'deployments', regex: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/ },
];

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Obj = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// Lists merged by key in a strategic merge patch (the ones a Deployment update touches).
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
};

/** Strategic merge patch for the fields used here: lists of named objects merge by key, others replace. */
export function strategicMergePatch(target: unknown, patch: unknown, field = ''): unknown {
  const key = MERGE_KEYS[field];
  if (key && Array.isArray(patch) && Array.isArray(target)) {
    const out = structuredClone(target) as Obj[];
    for (const item of patch as Obj[]) {
      const at = out.findIndex((o) => o[key] === item[key]);
      if (item.$patch === 'delete') {
        if (at >= 0) out.splice(at, 1);
      } else if (at >= 0) out[at] = strategicMergePatch(out[at], item) as Obj;
      else out.push(item);
    }
    return out;
  }
  if (!isObject(patch)) return structuredClone(patch);
  const out: Obj = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k);
  }
  return out;
}

/** RFC 6902 JSON patch (add, replace, remove, test). */
export function jsonPatch(target: unknown, ops: { op: string; path: string; value?: unknown }[]): unknown {
  const doc = structuredClone(target) as Obj;
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = parts.pop()!;
    let parent: Obj = doc;
    for (const p of parts) {
      if (!isObject(parent[p]) && !Array.isArray(parent[p]))
        throw new Error(`path ${op.path} does not exist`);
      parent = parent[p];
    }
    const index = Array.isArray(parent) ? (last === '-' ? parent.length : Number(last)) : last;
    switch (op.op) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(index as number, 0, op.value);
        else parent[last] = op.value;
        break;
      case 'replace':
        if (!(index in parent)) throw new Error(`path ${op.path} does not exist`);
        parent[index as string] = op.value;
        break;
      case 'remove':
        if (Array.isArray(parent)) parent.splice(index as number, 1);
        else delete parent[last];
        break;
      case 'test':
        if (JSON.stringify(parent[index as string]) !== JSON.stringify(op.value))
          throw new Error(`test ${op.path} failed`);
        break;
      default:
        throw new Error(`unsupported op ${op.op}`);
    }
  }
  return doc;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const tagOf = (image: string) => image.slice(image.lastIndexOf(':') + 1);
const helmParams = (spec: Obj | undefined): HelmParameter[] => {
  if (!spec) return [];
  const sources: Obj[] = spec.sources?.length ? spec.sources : spec.source ? [spec.source] : [];
  return sources.flatMap((s) => s.helm?.parameters ?? []);
};

/** A Deployment as the API returns it, rolled out on `image`. */
export function kubeDeployment(
  namespace: string,
  name: string,
  container: string,
  image: string,
  replicas = 2,
): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, generation: 3, resourceVersion: '500', uid: `uid-${name}` },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: container, image, ports: [{ containerPort: 8080 }] },
            { name: 'sidecar', image: 'envoy:1.30' },
          ],
        },
      },
    },
    status: {
      observedGeneration: 3,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  };
}

/** An Application custom resource, Synced and Healthy on `tags`. */
export function kubeApplication(namespace: string, name: string, tags: Record<string, string>): Application {
  const source = {
    repoURL: 'https://charts.wrktalk.com',
    chart: 'wrktalk',
    targetRevision: '1.4.2',
    helm: { parameters: Object.entries(tags).map(([k, v]) => ({ name: k, value: v, forceString: true })) },
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace, resourceVersion: '100', generation: 1, uid: `uid-${name}` },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc', namespace: name },
      source,
    },
    status: {
      sync: {
        status: 'Synced',
        revision: '1.4.2',
        comparedTo: {
          destination: { server: 'https://kubernetes.default.svc', namespace: name },
          source: structuredClone(source),
        },
      },
      health: { status: 'Healthy' },
      operationState: {
        phase: 'Succeeded',
        startedAt: '2026-01-01T00:00:00Z',
        finishedAt: '2026-01-01T00:00:30Z',
        operation: { sync: { revision: '1.4.2' } },
      },
    },
  };
}

/** Starts the fake on an ephemeral port with the given objects. */
export async function startFakeKube(objects: Obj[] = [], options: FakeKubeOptions = {}): Promise<FakeKube> {
  const opts: Required<FakeKubeOptions> = {
    token: 'kube-token',
    badTags: [],
    conflictsOnWrite: 0,
    staleReadsAfterSpecChange: 0,
    deniedVerbs: [],
    operationPolls: 1,
    ...options,
  };
  const keyOf = (kind: string, ns: string, name: string) => `${kind}/${ns}/${name}`;
  const store = new Map<string, Obj>(
    objects.map((o) => [
      keyOf(o.kind === 'Deployment' ? 'deployments' : 'applications', o.metadata.namespace, o.metadata.name),
      structuredClone(o),
    ]),
  );
  const sim = new Map<
    string,
    { pendingRefresh: number; opStep?: number; opParams?: string; rolloutStep?: number }
  >();
  const simOf = (key: string) => {
    const found = sim.get(key);
    if (found) return found;
    const created = { pendingRefresh: 0 } as {
      pendingRefresh: number;
      opStep?: number;
      opParams?: string;
      rolloutStep?: number;
    };
    sim.set(key, created);
    return created;
  };
  const requests: KubeRequest[] = [];
  let version = 1000;
  const bump = (o: Obj) => {
    o.metadata.resourceVersion = String(++version);
  };

  /** Argo CD's controller, one step per GET. */
  const stepApplication = (key: string, app: Obj) => {
    const s = simOf(key);
    app.status ??= {};
    const status = app.status;
    if (s.pendingRefresh > 0) {
      s.pendingRefresh -= 1;
      return;
    }
    const compared = JSON.stringify(helmParams(status.sync?.comparedTo));
    const desired = JSON.stringify(helmParams(app.spec));
    if (compared !== desired) {
      status.sync = {
        ...status.sync,
        status: 'OutOfSync',
        comparedTo: {
          destination: app.spec.destination,
          ...(app.spec.sources
            ? { sources: structuredClone(app.spec.sources) }
            : { source: structuredClone(app.spec.source) }),
        },
      };
      status.reconciledAt = now();
    }
    if (app.operation && s.opStep === undefined) {
      s.opStep = 0;
      s.opParams = desired;
      status.operationState = {
        phase: 'Running',
        message: 'one or more tasks are running',
        startedAt: now(),
        operation: app.operation,
      };
      status.health = { status: 'Progressing' };
      bump(app);
      return;
    }
    if (s.opStep !== undefined) {
      s.opStep += 1;
      if (s.opStep < opts.operationPolls) return;
      const covers = s.opParams === JSON.stringify(helmParams(app.spec));
      const bad = (JSON.parse(s.opParams ?? '[]') as HelmParameter[]).some((p) =>
        opts.badTags.includes(p.value ?? ''),
      );
      status.sync = { ...status.sync, status: covers ? 'Synced' : 'OutOfSync' };
      status.health = bad
        ? { status: 'Degraded', message: 'Deployment "wrktalk-backend" exceeded its progress deadline' }
        : { status: 'Healthy' };
      status.resources = resourcesOf(
        JSON.parse(s.opParams ?? '[]') as HelmParameter[],
        app.spec.destination?.namespace ?? '',
        opts.badTags,
      );
      status.operationState = {
        ...status.operationState,
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        finishedAt: now(),
      };
      delete app.operation;
      s.opStep = undefined;
      bump(app);
    }
  };

  /** The Deployment controller, one step per GET. */
  const stepDeployment = (key: string, dep: Obj) => {
    const s = simOf(key);
    if (s.rolloutStep === undefined) return;
    s.rolloutStep += 1;
    const replicas: number = dep.spec.replicas ?? 1;
    const bad = (dep.spec.template.spec.containers as Obj[]).some((c) =>
      opts.badTags.includes(tagOf(c.image)),
    );
    const status = dep.status;
    status.observedGeneration = dep.metadata.generation;
    const progressing = status.conditions.find((c: Obj) => c.type === 'Progressing');
    if (s.rolloutStep === 1) {
      Object.assign(status, { replicas: replicas + 1, updatedReplicas: 1, availableReplicas: replicas });
      Object.assign(progressing, { status: 'True', reason: 'ReplicaSetUpdated' });
    } else if (bad) {
      Object.assign(status, { replicas: replicas + 1, updatedReplicas: 1, availableReplicas: replicas });
      Object.assign(progressing, {
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${dep.metadata.name}-bad" has timed out progressing.`,
      });
      s.rolloutStep = undefined;
    } else if (s.rolloutStep === 2) {
      Object.assign(status, {
        replicas: replicas + 1,
        updatedReplicas: replicas,
        availableReplicas: replicas,
      });
    } else {
      Object.assign(status, { replicas, updatedReplicas: replicas, availableReplicas: replicas });
      Object.assign(progressing, { status: 'True', reason: 'NewReplicaSetAvailable' });
      s.rolloutStep = undefined;
    }
    bump(dep);
  };

  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const status = (res: ServerResponse, code: number, reason: string, message: string) =>
    send(res, code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    });

  const write = (res: ServerResponse, kind: string, key: string, before: Obj, after: Obj) => {
    if (kind === 'applications' && !validateApplication(after)) {
      const why = (validateApplication.errors ?? [])
        .map((e) => `${e.instancePath || '/'} ${e.message}`)
        .join('; ');
      return status(
        res,
        422,
        'Invalid',
        `Application.argoproj.io "${before.metadata.name}" is invalid: ${why}`,
      );
    }
    after.status = before.status; // the main resource ignores status changes
    after.metadata = { ...after.metadata, uid: before.metadata.uid, generation: before.metadata.generation };
    if (JSON.stringify(after.spec) !== JSON.stringify(before.spec)) {
      after.metadata.generation = (before.metadata.generation ?? 1) + 1;
      if (kind === 'applications') simOf(key).pendingRefresh = opts.staleReadsAfterSpecChange;
      else if (JSON.stringify(after.spec.template) !== JSON.stringify(before.spec.template))
        simOf(key).rolloutStep = 0;
    }
    bump(after);
    store.set(key, after);
    return send(res, 200, after);
  };

  /** Simulates someone writing between the client's read and its conditional write. */
  const concurrentWriter = (current: Obj, body: Obj | undefined) => {
    if (opts.conflictsOnWrite > 0 && body?.metadata?.resourceVersion !== undefined) {
      opts.conflictsOnWrite -= 1;
      current.metadata.annotations = { ...current.metadata.annotations, 'someone-else': String(version) };
      bump(current);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? JSON.parse(raw) : undefined;
    const contentType = req.headers['content-type']?.split(';')[0];
    requests.push({ method, path: url.pathname, contentType, body });
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      const verb = body?.spec?.resourceAttributes?.verb;
      return send(res, 201, { ...body, status: { allowed: !opts.deniedVerbs.includes(verb) } });
    }
    const route = ROUTES.map((r) => ({ kind: r.kind, match: r.regex.exec(url.pathname) })).find(
      (r) => r.match,
    );
    if (!route?.match)
      return status(
        res,
        404,
        'NotFound',
        `the server could not find the requested resource (${url.pathname})`,
      );
    const [, ns = '', name = ''] = route.match;
    const key = keyOf(route.kind, ns, name);
    const current = store.get(key);
    const group = route.kind === 'applications' ? 'applications.argoproj.io' : 'deployments.apps';
    if (!current) return status(res, 404, 'NotFound', `${group} "${name}" not found`);
    const conflict = () =>
      status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    switch (method) {
      case 'GET':
        if (route.kind === 'applications') stepApplication(key, current);
        else stepDeployment(key, current);
        return send(res, 200, current);
      case 'PUT': {
        concurrentWriter(current, body);
        if (body?.metadata?.resourceVersion !== current.metadata.resourceVersion) return conflict();
        return write(res, route.kind, key, current, structuredClone(body));
      }
      case 'PATCH': {
        let patched: Obj;
        try {
          if (contentType === 'application/merge-patch+json') patched = mergePatch(current, body) as Obj;
          else if (contentType === 'application/strategic-merge-patch+json') {
            if (route.kind === 'applications') {
              return status(
                res,
                415,
                'UnsupportedMediaType',
                'strategic merge patch is not supported for custom resources',
              );
            }
            patched = strategicMergePatch(current, body) as Obj;
          } else if (contentType === 'application/json-patch+json') patched = jsonPatch(current, body) as Obj;
          else
            return status(
              res,
              415,
              'UnsupportedMediaType',
              `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
            );
        } catch (error) {
          return status(res, 422, 'Invalid', String(error));
        }
        concurrentWriter(current, body);
        const rv = body?.metadata?.resourceVersion;
        if (rv !== undefined && rv !== current.metadata.resourceVersion) return conflict();
        return write(res, route.kind, key, current, patched);
      }
      default:
        return status(res, 405, 'MethodNotAllowed', `${method} is not supported by the fake`);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => status(res, 500, 'InternalError', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    options: opts,
    requests,
    objects: store,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'agent', token: opts.token }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'agent', namespace: 'wrktalk' }],
        currentContext: 'fake',
      });
      return kc;
    },
    startForeignOperation(namespace, name) {
      const app = store.get(keyOf('applications', namespace, name));
      if (!app) return;
      app.operation = { initiatedBy: { automated: true }, sync: { syncStrategy: { hook: {} } } };
      bump(app);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
