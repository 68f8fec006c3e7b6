import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    expect(loadConfig({})).toEqual({
      databaseUrl: undefined,
      dataDir: '.gcc-data',
      databasePoolSize: undefined,
      databaseTimeouts: {},
      databasePreparedStatements: true,
      readinessTimeoutMs: 2000,
      port: 8080,
      host: '0.0.0.0',
      adminToken: undefined,
      ciToken: undefined,
      logLevel: 'info',
      components: ['backend', 'media', 'ct'],
      orchestration: 'worker',
      runWorker: true,
      migrate: true,
      notifications: {},
      argocd: undefined,
      auditRetentionDays: null,
      signing: undefined,
      allowedRegistries: undefined,
      authFailureLimit: { max: 100, windowSeconds: 60 },
      tokenCacheTtlSeconds: 30,
      trustProxy: false,
    });
  });

  it('reads GCC_MIGRATE as a boolean, and refuses anything else', () => {
    expect(loadConfig({ GCC_MIGRATE: 'false' }).migrate).toBe(false);
    expect(loadConfig({ GCC_MIGRATE: '0' }).migrate).toBe(false);
    expect(loadConfig({ GCC_MIGRATE: 'NO' }).migrate).toBe(false);
    expect(loadConfig({ GCC_MIGRATE: 'true' }).migrate).toBe(true);
    expect(loadConfig({ GCC_MIGRATE: '' }).migrate).toBe(true);
    expect(() => loadConfig({ GCC_MIGRATE: 'later' })).toThrow(
      /GCC_MIGRATE: GCC_MIGRATE must be true or false \(got "later"\)/,
    );
  });

  it('keeps statements prepared unless DATABASE_PREPARED_STATEMENTS is false', () => {
    expect(loadConfig({}).databasePreparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements).toBe(false);
    expect(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(
      /DATABASE_PREPARED_STATEMENTS must be true or false/,
    );
  });

  it('reads the database time bounds in seconds (gcc-core takes ms), and refuses anything else', () => {
    const c = loadConfig({
      DATABASE_CONNECT_TIMEOUT_SECONDS: '3',
      DATABASE_STATEMENT_TIMEOUT_SECONDS: '0',
      DATABASE_QUERY_TIMEOUT_SECONDS: '40',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: '120',
      DATABASE_KEEPALIVE_SECONDS: '',
      GCC_READINESS_TIMEOUT_SECONDS: '5',
    });
    expect(c.databaseTimeouts).toEqual({
      connectTimeoutMs: 3000,
      statementTimeoutMs: 0,
      queryTimeoutMs: 40_000,
      idleInTransactionTimeoutMs: 120_000,
    });
    expect(c.readinessTimeoutMs).toBe(5000);
    const error = (() => {
      try {
        loadConfig({ DATABASE_QUERY_TIMEOUT_SECONDS: '1.5', GCC_READINESS_TIMEOUT_SECONDS: '0' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/DATABASE_QUERY_TIMEOUT_SECONDS: must be a whole number from 0 to 86400/);
    expect(error?.message).toMatch(
      /GCC_READINESS_TIMEOUT_SECONDS: GCC_READINESS_TIMEOUT_SECONDS must be from 1 to 60/,
    );
  });

  it('reads GCC_TRUST_PROXY as Express takes it, and refuses garbage', () => {
    expect(loadConfig({ GCC_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ GCC_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ GCC_TRUST_PROXY: 'loopback,10.0.0.0/8' }).trustProxy).toBe('loopback,10.0.0.0/8');
    expect(() => loadConfig({ GCC_TRUST_PROXY: 'yes; rm -rf /' })).toThrow(
      /GCC_TRUST_PROXY: must be true, false/,
    );
  });

  it('reads the orchestration and notification variables', () => {
    const c = loadConfig({
      GCC_ORCHESTRATION: 'immediate',
      GCC_RUN_WORKER: 'false',
      SMTP_URL: 'smtp://user:pass@mail.example.com:587',
      NOTIFY_FROM: 'GCC <gcc@example.com>',
      NOTIFY_ADMIN_EMAILS: ' ops@example.com, ravi@example.com ',
      NOTIFY_WEBHOOKS: JSON.stringify([
        { url: 'https://hooks.example.com/a', secret: 's'.repeat(16) },
        { url: 'http://127.0.0.1:9000/b', secret: 't'.repeat(20), events: ['stage_failed'] },
      ]),
    });
    expect(c).toMatchObject({
      orchestration: 'immediate',
      runWorker: false,
      notifications: {
        smtpUrl: 'smtp://user:pass@mail.example.com:587',
        from: 'GCC <gcc@example.com>',
        adminEmails: ['ops@example.com', 'ravi@example.com'],
        webhooks: [
          { url: 'https://hooks.example.com/a', secret: 's'.repeat(16) },
          { url: 'http://127.0.0.1:9000/b', secret: 't'.repeat(20), events: ['stage_failed'] },
        ],
      },
    });
  });

  it('reads the approval digest interval and the audit retention', () => {
    const c = loadConfig({ NOTIFY_APPROVAL_DIGEST_SECONDS: '60', GCC_AUDIT_RETENTION_DAYS: '400' });
    expect(c.notifications.approvalDigestSeconds).toBe(60);
    expect(c.auditRetentionDays).toBe(400);
    expect(loadConfig({}).auditRetentionDays).toBeNull();
    expect(() => loadConfig({ NOTIFY_APPROVAL_DIGEST_SECONDS: 'soon' })).toThrow(
      /NOTIFY_APPROVAL_DIGEST_SECONDS: must be a whole number from 0 to 86400/,
    );
    expect(() =>
      loadConfig({ GCC_AUDIT_RETENTION_DAYS: '0', NOTIFY_APPROVAL_DIGEST_SECONDS: 'soon' }),
    ).toThrow(/GCC_AUDIT_RETENTION_DAYS must be from 1 to 36500/);
  });

  it('explains bad orchestration and notification variables, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({
        GCC_ORCHESTRATION: 'later',
        GCC_RUN_WORKER: 'maybe',
        SMTP_URL: 'http://user:hunter2@mail',
        NOTIFY_ADMIN_EMAILS: 'ops@example.com,not-an-address',
        NOTIFY_WEBHOOKS: '[{"url":"ftp://x","secret":"hunter2","events":["nope"],"extra":1}]',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toMatch(/GCC_ORCHESTRATION: must be worker or immediate/);
    expect(text).toMatch(/GCC_RUN_WORKER: GCC_RUN_WORKER must be true or false/);
    expect(text).toMatch(/SMTP_URL: must be an SMTP URL/);
    expect(text).toMatch(/NOTIFY_ADMIN_EMAILS: "not-an-address" is not an email address/);
    expect(text).toMatch(/NOTIFY_WEBHOOKS: webhook 1 has unknown field\(s\): extra/);
    expect(text).toMatch(/NOTIFY_WEBHOOKS: webhook 1: url must be an http/);
    expect(text).toMatch(/NOTIFY_WEBHOOKS: webhook 1: secret must be/);
    expect(text).toMatch(/NOTIFY_WEBHOOKS: webhook 1: unknown event "nope"/);
    expect(text).not.toContain('hunter2');
    expect(() => loadConfig({ NOTIFY_WEBHOOKS: '{not json' })).toThrow(/NOTIFY_WEBHOOKS: must be JSON/);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://gcc@db.internal:5432/gcc',
      GCC_DATA_DIR: 'memory://',
      DATABASE_POOL_SIZE: '20',
      PORT: '9090',
      HOST: '127.0.0.1',
      GCC_ADMIN_TOKEN: 'a'.repeat(32),
      GCC_CI_TOKEN: 'c'.repeat(32),
      LOG_LEVEL: 'debug',
      GCC_COMPONENTS: ' backend , media,ct,worker ',
    });
    expect(c).toMatchObject({
      databaseUrl: 'postgres://gcc@db.internal:5432/gcc',
      dataDir: 'memory://',
      databasePoolSize: 20,
      port: 9090,
      host: '127.0.0.1',
      logLevel: 'debug',
      components: ['backend', 'media', 'ct', 'worker'],
    });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '', LOG_LEVEL: '', GCC_ADMIN_TOKEN: '' })).toMatchObject({
      databaseUrl: undefined,
      port: 8080,
      logLevel: 'info',
      adminToken: undefined,
    });
  });

  it('lists every problem at once, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({
        DATABASE_URL: 'mysql://root:hunter2@db/x',
        PORT: '70000',
        LOG_LEVEL: 'loud',
        GCC_ADMIN_TOKEN: 'short-secret',
        GCC_COMPONENTS: 'backend,Bad Name,backend',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'PORT', 'LOG_LEVEL', 'GCC_ADMIN_TOKEN', 'GCC_COMPONENTS']),
    );
    expect(problems.filter((p) => p.startsWith('GCC_COMPONENTS'))).toHaveLength(2);
    expect(message).toContain('Invalid configuration:');
    expect(message).toContain('PORT: PORT must be from 0 to 65535 (got "70000")');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('short-secret');
  });

  it('reads the Argo CD fast path instances from GCC_ARGOCD_INSTANCES or a file', () => {
    const instances = {
      'argo-eu': { url: 'https://argocd.eu.example.com', token: 'eu-token-123', maxConcurrency: 5 },
      'argo-in': {
        url: 'http://argocd.in.internal:8080',
        token: 'in-token-456',
        insecure: true,
        project: 'wrktalk',
      },
    };
    expect(loadConfig({ GCC_ARGOCD_INSTANCES: JSON.stringify(instances) }).argocd).toEqual({ instances });
    const dir = mkdtempSync(join(tmpdir(), 'gcc-config-'));
    try {
      const file = join(dir, 'argocd.json');
      writeFileSync(file, JSON.stringify(instances));
      expect(loadConfig({ GCC_ARGOCD_INSTANCES_FILE: file }).argocd).toEqual({ instances });
      expect(() => loadConfig({ GCC_ARGOCD_INSTANCES_FILE: join(dir, 'missing.json') })).toThrow(
        /GCC_ARGOCD_INSTANCES_FILE: cannot read .*missing\.json: ENOENT/,
      );
      expect(() =>
        loadConfig({ GCC_ARGOCD_INSTANCES_FILE: file, GCC_ARGOCD_INSTANCES: JSON.stringify(instances) }),
      ).toThrow(/set either GCC_ARGOCD_INSTANCES or GCC_ARGOCD_INSTANCES_FILE, not both/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(loadConfig({ GCC_ARGOCD_INSTANCES: '' }).argocd).toBeUndefined();
  });

  it('explains bad Argo CD instances without echoing tokens', () => {
    let error: unknown;
    try {
      loadConfig({
        GCC_ARGOCD_INSTANCES: JSON.stringify({
          'Argo EU': { url: 'argocd.eu', token: 'hunter2-token' },
          in: {
            url: 'https://argocd.in',
            token: 'hunter3-token',
            maxConcurrency: 0,
            helmKeys: { backend: 'x=y' },
          },
        }),
        PORT: 'x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      'PORT: must be a whole number from 0 to 65535 (got "x")',
      'GCC_ARGOCD_INSTANCES: Argo EU: the instance name must be lowercase letters, digits, "." and "-" (as clients carry it)',
      'GCC_ARGOCD_INSTANCES: Argo EU.url: must be an http(s) URL without credentials, like https://argocd.example.com',
      'GCC_ARGOCD_INSTANCES: in.maxConcurrency: must be an integer >= 1, got 0',
    ]);
    expect(message).not.toContain('hunter');
    expect(() => loadConfig({ GCC_ARGOCD_INSTANCES: '{"eu":' })).toThrow(
      /GCC_ARGOCD_INSTANCES: must be JSON like/,
    );
    expect(() => loadConfig({ GCC_ARGOCD_INSTANCES: '[]' })).toThrow(
      /must be a JSON object of instance name/,
    );
    expect(() => loadConfig({ GCC_ARGOCD_INSTANCES: '{}' })).toThrow(
      /GCC_ARGOCD_INSTANCES: must name at least one Argo CD instance/,
    );
    // The rollout worker runs every strategy, the immediate one too: the fast path no longer needs GCC_ORCHESTRATION.
    expect(
      loadConfig({
        GCC_ORCHESTRATION: 'immediate',
        GCC_ARGOCD_INSTANCES: JSON.stringify({ eu: { url: 'https://argocd.eu', token: 't' } }),
      }).argocd?.instances.eu?.url,
    ).toBe('https://argocd.eu');
  });

  it('rejects a port that is not a number', () => {
    expect(() => loadConfig({ PORT: '80a' })).toThrow(/PORT: must be a whole number/);
  });
});
