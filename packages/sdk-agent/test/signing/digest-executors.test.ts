import { afterEach, describe, expect, it } from 'vitest';
import { deployedImage, deployedVersion } from '../../src/executor';
import { createKubernetesExecutor } from '../../src/executors';
import { testContext, testInstruction } from '../fakes/context';
import { type FakeKube, kubeDeployment, startFakeKube } from '../fakes/fake-kube-server';

const NS = 'wrktalk';
const DIGEST = `sha256:${'9a'.repeat(32)}`;
let kube: FakeKube | undefined;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

describe('deploying by digest', { timeout: 60_000 }, () => {
  it('deployedImage / deployedVersion: repo@digest when the instruction carries one, else the tag', () => {
    const ins = testInstruction({
      imageUrl: 'registry.wrktalk.com:5000/wrktalk/backend:2.4.0',
      imageDigest: DIGEST,
    });
    expect(deployedImage(ins)).toBe(`registry.wrktalk.com:5000/wrktalk/backend@${DIGEST}`);
    expect(deployedVersion(ins)).toBe(DIGEST);
    const byTag = testInstruction({ imageUrl: 'registry.wrktalk.com/wrktalk/backend:2.4.0' });
    expect(deployedImage(byTag)).toBe('registry.wrktalk.com/wrktalk/backend:2.4.0');
    expect(deployedVersion(byTag)).toBe(byTag.version);
  });

  it('the kubernetes executor sets repository@sha256:… and verifies that image', async () => {
    kube = await startFakeKube([
      kubeDeployment(NS, 'wrktalk-backend', 'backend', 'registry.wrktalk.com/wrktalk/backend:2.3.0'),
    ]);
    const exec = createKubernetesExecutor({ kubeConfig: kube.kubeConfig(), pollIntervalMs: 5 });
    const ins = testInstruction({ imageDigest: DIGEST });
    await exec.apply(ins, testContext());
    const patch = kube.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.body).toEqual({
      spec: {
        template: {
          spec: {
            containers: [{ name: 'backend', image: `registry.wrktalk.com/wrktalk/backend@${DIGEST}` }],
          },
        },
      },
    });
    expect(await exec.verify(ins, testContext())).toMatchObject({ healthy: true });
  });
});
