/**
 * Every object a chart renders is checked against its published schema:
 * - Kubernetes built-in kinds: the OpenAPI schemas compiled into `kubernetes-models` (Kubernetes 1.32 API);
 * - ServiceMonitor: `@kubernetes-models/prometheus-operator` (the prometheus-operator CRD);
 * - CloudNativePG Cluster and Pooler: `@kubernetes-models/cloudnative-pg` (the CNPG CRDs);
 * - Argo CD Application: the CRD of Argo CD v3.5.1 in ../shared/specs/argocd (as the Argo CD API server checks it).
 * An apiVersion/kind without a schema here is an error, so nothing goes unchecked by accident.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { Pooler } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Pooler';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { parse } from 'yaml';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The API descriptions shared with this workspace (Argo CD CRD and swagger, compose-spec). */
export const SPECS_DIR = '/work/shared/specs';

interface Validatable {
  validate(): void;
}
type Model = new (data: never) => Validatable;

const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': Deployment as unknown as Model,
  'apps/v1/StatefulSet': StatefulSet as unknown as Model,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as Model,
  'batch/v1/Job': Job as unknown as Model,
  'batch/v1/CronJob': CronJob as unknown as Model,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as Model,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as Model,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Model,
  'rbac.authorization.k8s.io/v1/Role': Role as unknown as Model,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as unknown as Model,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as unknown as Model,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as Model,
  'v1/ConfigMap': ConfigMap as unknown as Model,
  'v1/Namespace': Namespace as unknown as Model,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'v1/ServiceAccount': ServiceAccount as unknown as Model,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as unknown as Model,
  'postgresql.cnpg.io/v1/Cluster': Cluster as unknown as Model,
  'postgresql.cnpg.io/v1/Pooler': Pooler as unknown as Model,
};

let applicationValidator: ((o: unknown) => string[]) | undefined;

/** Problems of an Argo CD Application against the v3.5.1 CRD's openAPIV3Schema (empty: valid). */
export function applicationProblems(app: unknown): string[] {
  if (!applicationValidator) {
    // biome-ignore lint/suspicious/noExplicitAny: the CRD document, read by path
    const crd = parse(readFileSync(join(SPECS_DIR, 'argocd/application-crd.yaml'), 'utf8')) as any;
    // biome-ignore lint/suspicious/noExplicitAny: the CRD document, read by path
    const schema = crd.spec.versions.find((v: any) => v.name === 'v1alpha1').schema.openAPIV3Schema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('int32', true).addFormat('int64', true);
    for (const k of ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string']) ajv.addKeyword(k);
    const validate = ajv.compile(schema);
    applicationValidator = (o) =>
      validate(o) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }
  return applicationValidator(app);
}

/** Throws with the schema's message when the object is not a valid instance of its kind (or has no schema here). */
export function validateK8s(object: unknown): void {
  const o = object as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
  const what = `${o.apiVersion} ${o.kind} ${o.metadata?.name ?? '(no name)'}`;
  if (o.apiVersion === 'argoproj.io/v1alpha1' && o.kind === 'Application') {
    const problems = applicationProblems(object);
    if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`);
    return;
  }
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) throw new Error(`no schema for ${what}`);
  try {
    new Model(object as never).validate();
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}
