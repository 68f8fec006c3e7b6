import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArgoCdApiExecutor } from '@wrktalk/sdk-agent/argocd-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  argoApplication,
  type FakeArgoCd,
  startFakeArgoCd,
} from '../../../sdk-agent/test/fakes/fake-argocd-server';
import { tlsFetch } from '../../src/fastpath/tls-fetch';

/** Whether `openssl` can make the throw-away certificate (it is on the CI image and this machine). */
const HAS_OPENSSL = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const instruction = {
  taskId: 'task-1',
  deploymentId: 'dep-1',
  type: 'update' as const,
  component: 'backend',
  version: '2.4.0',
  imageUrl: 'registry.wrktalk.com/wrktalk/backend:2.4.0',
  previousVersion: '2.3.0',
  attempt: 1,
  helmParameter: 'backend.image.tag',
  components: [
    {
      component: 'backend',
      version: '2.4.0',
      imageUrl: 'registry.wrktalk.com/wrktalk/backend:2.4.0',
      previousVersion: '2.3.0',
      helmParameter: 'backend.image.tag',
    },
  ],
  verifyTimeoutSeconds: 30,
};
const ctx = () => ({ signal: AbortSignal.timeout(20_000), clientId: 'acme', log: () => {} });

// Skipped only where openssl is missing (it makes the self-signed certificate).
describe.runIf(HAS_OPENSSL)('per-instance TLS settings of the Argo CD client', () => {
  let dir: string;
  let cert: string;
  let argo: FakeArgoCd;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'argo-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=argocd.test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    argo = await startFakeArgoCd([argoApplication('wrktalk-acme', { 'backend.image.tag': '2.3.0' })]);
    // TLS in front of the swagger-checking fake, as an ingress would be.
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        const answer = await fetch(`${argo.url}${req.url}`, {
          method: req.method ?? 'GET',
          headers: Object.fromEntries(
            Object.entries(req.headers).filter(([k]) =>
              ['authorization', 'content-type', 'accept'].includes(k),
            ),
          ) as Record<string, string>,
          ...(body.length > 0 && { body }),
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await argo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const executor = (fetchImpl?: typeof fetch) =>
    createArgoCdApiExecutor({
      baseUrl: url,
      token: 'test-token',
      pollIntervalMs: 5,
      ...(fetchImpl && { fetch: fetchImpl }),
    });

  it('refuses an untrusted certificate by default', async () => {
    await expect(executor().current(instruction, ctx())).rejects.toMatchObject({ code: 'api_error' });
    await expect(
      executor(tlsFetch({ insecure: false, ca: undefined })).current(instruction, ctx()),
    ).rejects.toMatchObject({ code: 'api_error', message: expect.stringMatching(/unreachable/) });
  });

  it('trusts a configured CA and applies the update over TLS', async () => {
    const exec = executor(tlsFetch({ insecure: false, ca: cert }));
    await exec.apply(instruction, ctx());
    expect(await exec.verify(instruction, ctx())).toEqual({ healthy: true, message: 'Synced and Healthy' });
    expect(argo.requests.some((r) => r.method === 'PUT')).toBe(true);
  });

  it('accepts any certificate with insecure', async () => {
    expect(
      await executor(tlsFetch({ insecure: true, ca: undefined })).current(instruction, ctx()),
    ).toMatchObject({
      version: '2.4.0',
    });
  });
});
