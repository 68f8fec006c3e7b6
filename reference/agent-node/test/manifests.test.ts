import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// Parsed with `yaml` only: no kubectl, no API server.
const dir = new URL('../deploy/', import.meta.url);
type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
  spec?: Record<string, unknown>;
};
const docs: Doc[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) =>
    parseAllDocuments(readFileSync(new URL(f, dir), 'utf8')).map((d) => {
      expect(d.errors, f).toEqual([]);
      return d.toJS() as Doc;
    }),
  );
const of = (kind: string) => docs.filter((d) => d.kind === kind);

describe('deploy/ manifests', () => {
  it('has every object the agent needs', () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      'Deployment/wrktalk-agent',
      'Namespace/wrktalk-agent',
      'Role/wrktalk-agent-argocd',
      'Role/wrktalk-agent-workloads',
      'RoleBinding/wrktalk-agent-argocd',
      'RoleBinding/wrktalk-agent-workloads',
      'Secret/wrktalk-agent-token',
      'ServiceAccount/wrktalk-agent',
    ]);
  });

  it('grants exactly the least-privilege rules, namespaced, nothing cluster-wide', () => {
    expect(of('ClusterRole')).toEqual([]);
    expect(of('ClusterRoleBinding')).toEqual([]);
    const rules = of('Role').flatMap((r) =>
      (r.rules ?? []).flatMap((rule) =>
        rule.apiGroups.flatMap((g) =>
          rule.resources.map(
            (res) => `${r.metadata.namespace} ${g || 'core'}/${res}: ${[...rule.verbs].sort().join(',')}`,
          ),
        ),
      ),
    );
    expect(rules.sort()).toEqual([
      'argocd argoproj.io/applications: get,list,patch,watch',
      'wrktalk apps/deployments: get,list,patch,watch',
      'wrktalk core/pods: get,list',
    ]);
    const all = of('Role').flatMap((r) => r.rules ?? []);
    for (const rule of all) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
    }
  });

  it('binds each Role to the agent ServiceAccount in its own namespace', () => {
    for (const b of of('RoleBinding')) {
      const role = of('Role').find((r) => r.metadata.name === b.roleRef?.name);
      expect(role?.metadata.namespace).toBe(b.metadata.namespace);
      expect(b.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'wrktalk-agent', namespace: 'wrktalk-agent' },
      ]);
    }
  });

  it('runs the Deployment non-root, read-only, with limits, a writable state volume and the token from the Secret', () => {
    const [d] = of('Deployment');
    const pod = (d!.spec as { template: { spec: unknown } }).template.spec as {
      serviceAccountName: string;
      securityContext: { runAsNonRoot: boolean };
      containers: {
        securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
        resources: { limits: { memory: string; cpu: string } };
        env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
        volumeMounts: { name: string; mountPath: string }[];
      }[];
      volumes: { name: string; emptyDir?: unknown; persistentVolumeClaim?: unknown }[];
    };
    expect(pod.serviceAccountName).toBe('wrktalk-agent');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const c = pod.containers[0]!;
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(c.resources.limits).toMatchObject({ memory: expect.any(String), cpu: expect.any(String) });
    const env = Object.fromEntries(c.env.map((e) => [e.name, e]));
    expect(env.AGENT_TOKEN?.valueFrom?.secretKeyRef).toEqual({
      name: 'wrktalk-agent-token',
      key: 'AGENT_TOKEN',
    });
    const stateDir = env.STATE_FILE!.value!.replace(/\/[^/]+$/, '');
    const mount = c.volumeMounts.find((m) => m.mountPath === stateDir);
    const volume = pod.volumes.find((v) => v.name === mount?.name);
    expect(volume?.emptyDir ?? volume?.persistentVolumeClaim).toBeDefined();
  });
});

describe('Node flags', () => {
  it('are the same in the image ENTRYPOINT and in `npm start`, and every Node in CI accepts them', async () => {
    const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
    const entry = JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    const imageFlags = entry.filter((a) => a.startsWith('--'));
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      scripts: { start: string };
    };
    const startFlags = pkg.scripts.start.split(/\s+/).filter((a) => a.startsWith('--'));
    expect(imageFlags).toContain('--no-turbofan');
    expect(startFlags).toEqual(imageFlags);
    const { execFileSync } = await import('node:child_process');
    // Node exits 9 ("bad option") on a flag it does not know, which makes execFileSync throw.
    const out = execFileSync(process.execPath, [...imageFlags, '-e', 'process.stdout.write("ok")'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toBe('ok');
  });
});
