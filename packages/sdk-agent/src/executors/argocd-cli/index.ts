import {
  type CurrentState,
  componentsOf,
  type DoctorCheck,
  type Executor,
  type ExecutorContext,
  ExecutorError,
  isExecutorError,
  type VerifyResult,
} from '../../executor';
import { sleep, throwIfAborted } from '../shared/abort';
import {
  type Application,
  type ExpectedParameter,
  evaluateApplication,
  isBlockedBySyncWindow,
  isOperationInProgress,
  isSettledOn,
  readHelmParameter,
} from '../shared/argocd';
import { describeHelmValues, helmValuesOf } from '../shared/argocd-flow';
import { commandFailed, runCommand, tail } from '../shared/command';
import { commandEnv } from '../shared/env';
import { applicationName, lookupComponent } from '../shared/options';
import { partialRevertError, withoutPrevious } from '../shared/set';
import { type ArgoCdCliExecutorOptions, compileArgoCdCliOptions } from './options';

export type { ArgoCdCliExecutorOptions } from './options';
export { compileArgoCdCliOptions } from './options';

const NAME = 'argocd-cli';

/** What the argocd CLI says when it has no server or no valid session (as opposed to an answer about the app). */
const NOT_AUTHENTICATED =
  /Unauthenticated|server address unspecified|no session information|invalid session|token is expired/i;

const CREDENTIALS_FIX =
  'set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN (an account allowed applications get, update, sync), ' +
  'run `argocd login` as the agent user (HOME), or set ARGOCD_OPTS=--core';

/**
 * Where the CLI takes its server and credentials from, in the environment its commands get (`env`): ARGOCD_SERVER /
 * ARGOCD_AUTH_TOKEN, `--server` / `--auth-token` / `--core` in ARGOCD_OPTS, and otherwise its `argocd login` context.
 */
function credentialSource(env: Readonly<Record<string, string>>): string {
  const opts = env.ARGOCD_OPTS ?? '';
  const flag = (name: string) => new RegExp(`(^|\\s)--${name}(\\s|=|$)`).test(opts);
  if (flag('core'))
    return 'ARGOCD_OPTS --core: the Kubernetes API directly (KUBECONFIG or the pod service account)';
  const server = env.ARGOCD_SERVER
    ? 'ARGOCD_SERVER set'
    : flag('server')
      ? '--server in ARGOCD_OPTS'
      : undefined;
  const token = env.ARGOCD_AUTH_TOKEN
    ? 'ARGOCD_AUTH_TOKEN set'
    : flag('auth-token')
      ? '--auth-token in ARGOCD_OPTS'
      : undefined;
  if (server && token) return `${server}, ${token}`;
  const fromLogin = [server ? undefined : 'server', token ? undefined : 'token']
    .filter(Boolean)
    .join(' and ');
  return `${server ?? 'ARGOCD_SERVER unset'}, ${token ?? 'ARGOCD_AUTH_TOKEN unset'}: the ${fromLogin} from the CLI's \`argocd login\` context`;
}

/**
 * Updates a client's Argo CD application with the `argocd` CLI, exactly as the customer runs it by hand:
 * `argocd app set APP --helm-set-string KEY=TAG`, `argocd app sync APP`, `argocd app wait APP --health --sync`.
 * A release set is one change: one `app set` with a `--helm-set-string` per component, one sync, one wait.
 * Commands run with argument arrays (never a shell); the tag is checked before it reaches any command.
 */
export function createArgoCdCliExecutor(options: ArgoCdCliExecutorOptions = {}): Executor {
  const opts = compileArgoCdCliOptions(options);
  const grpc = opts.grpcWeb ? ['--grpc-web'] : [];

  const argocd = async (
    args: string[],
    ctx: Pick<ExecutorContext, 'signal'> & { log?: (l: string) => void },
    timeoutMs = opts.commandTimeoutMs,
  ) =>
    runCommand(NAME, opts.binary, [...args, ...grpc], {
      env: opts.env,
      signal: ctx.signal,
      timeoutMs,
      log: ctx.log,
    });

  const getApp = async (app: string, ctx: Pick<ExecutorContext, 'signal'>): Promise<Application> => {
    const args = ['app', 'get', app, '-o', 'json'];
    const result = await argocd(args, ctx);
    if (result.exitCode !== 0) {
      const text = result.stderr || result.stdout;
      if (/NotFound|not found/i.test(text)) {
        throw new ExecutorError({
          executor: NAME,
          code: 'not_found',
          message: `application ${app}: ${tail(text)}`,
        });
      }
      if (/PermissionDenied|permission denied|Unauthenticated/i.test(text)) {
        throw new ExecutorError({
          executor: NAME,
          code: 'forbidden',
          message: `application ${app}: ${tail(text)}`,
        });
      }
      throw commandFailed(NAME, opts.binary, args, result);
    }
    try {
      return JSON.parse(result.stdout) as Application;
    } catch (cause) {
      throw new ExecutorError({
        executor: NAME,
        code: 'api_error',
        message: 'argocd app get printed no JSON',
        cause,
      });
    }
  };

  const setAndSync = async (values: readonly ExpectedParameter[], ctx: ExecutorContext) => {
    const app = applicationName(NAME, opts.appName, ctx.clientId);
    const before = await getApp(app, ctx);
    const changed = values.some((v) => readHelmParameter(before.spec, v.parameter) !== v.value);
    // Set and Synced on a comparison that shows them: nothing to do. Set but not synced (an agent killed between
    // `app set` and `app sync`, or a stale Synced from before the set) goes on to `app sync`.
    if (!changed && isSettledOn(before, values)) {
      ctx.log(`${app}: ${describeHelmValues(values)} already set and Synced; nothing to apply`);
      return;
    }
    if (!changed) ctx.log(`${app}: ${describeHelmValues(values)} already set but not synced; syncing`);
    if (changed) {
      // One `app set` for the whole set (one spec write), so Argo CD never syncs half of it.
      const setArgs = [
        'app',
        'set',
        app,
        ...values.flatMap((v) => ['--helm-set-string', `${v.parameter}=${v.value}`]),
      ];
      const set = await argocd(setArgs, ctx);
      if (set.exitCode !== 0) throw commandFailed(NAME, opts.binary, setArgs, set);
    }
    throwIfAborted(NAME, ctx.signal);
    const syncArgs = ['app', 'sync', app];
    let sync = await argocd(syncArgs, ctx);
    if (sync.exitCode === 0) return;
    if (isOperationInProgress(`${sync.stderr}\n${sync.stdout}`)) {
      // Someone (usually auto-sync) got there first: wait for that operation, then sync ours; a sync of what is
      // already synced is cheap, and the running one may have used the old parameters.
      ctx.log(`${app}: another operation is already in progress; waiting for it`);
      const seconds = String(Math.max(1, Math.floor(opts.commandTimeoutMs / 1000)));
      await argocd(
        ['app', 'wait', app, '--operation', '--timeout', seconds],
        ctx,
        opts.commandTimeoutMs + 30_000,
      );
      sync = await argocd(syncArgs, ctx);
      if (sync.exitCode === 0) return;
      if (isOperationInProgress(`${sync.stderr}\n${sync.stdout}`)) {
        ctx.log(`${app}: still another operation in progress; leaving it to verify`);
        return;
      }
    }
    const text = `${sync.stderr}\n${sync.stdout}`;
    if (isBlockedBySyncWindow(text)) {
      throw new ExecutorError({
        executor: NAME,
        code: 'forbidden',
        retryable: true,
        message: `${app}: ${tail(text)}`,
      });
    }
    throw commandFailed(NAME, opts.binary, syncArgs, sync);
  };

  return {
    name: NAME,
    async current(instruction, ctx): Promise<CurrentState> {
      const set = componentsOf(instruction);
      const keys = set.map((c) => lookupComponent(NAME, opts.helmKeys, c.component));
      const app = applicationName(NAME, opts.appName, ctx.clientId);
      const found = await getApp(app, ctx);
      const status = `${found.status?.sync?.status ?? 'Unknown'}/${found.status?.health?.status ?? 'Unknown'}`;
      const versions = Object.fromEntries(
        set.map((c, i) => [c.component, readHelmParameter(found.spec, keys[i]!)]),
      );
      const values = keys.map((parameter, i) => ({ parameter, value: versions[set[i]!.component] ?? '' }));
      return {
        version: versions[set[0]!.component] ?? null,
        versions,
        settled: isSettledOn(found, values),
        detail: `${app} ${keys.join(', ')} (${status})`,
      };
    },
    apply: async (instruction, ctx) =>
      setAndSync(
        helmValuesOf(NAME, opts.helmKeys, componentsOf(instruction), (c) => c.version),
        ctx,
      ),
    async verify(instruction, ctx): Promise<VerifyResult> {
      const values = helmValuesOf(NAME, opts.helmKeys, componentsOf(instruction), (c) => c.version);
      const [first] = values as [ExpectedParameter, ...ExpectedParameter[]];
      const app = applicationName(NAME, opts.appName, ctx.clientId);
      const timeout = opts.waitTimeoutSeconds ?? instruction.verifyTimeoutSeconds;
      const deadline = Date.now() + timeout * 1000;
      for (;;) {
        const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
        const args = ['app', 'wait', app, '--health', '--sync', '--timeout', String(remaining)];
        const wait = await argocd(args, ctx, (remaining + 30) * 1000);
        const found = await getApp(app, ctx);
        const verdict = evaluateApplication(found, {
          parameter: first.parameter,
          value: first.value,
          ...(values.length > 1 ? { set: values } : {}),
        });
        if (wait.exitCode !== 0) {
          const detail =
            verdict.state === 'pending' ? tail(wait.stderr || wait.stdout, 300) : verdict.message;
          return { healthy: false, message: detail };
        }
        // `app wait` can return on a stale Synced/Healthy: trust it only once Argo CD compared our value.
        if (verdict.state === 'healthy') return { healthy: true, message: verdict.message };
        if (verdict.state === 'failed') return { healthy: false, message: verdict.message };
        if (Date.now() >= deadline) return { healthy: false, message: `timed out: ${verdict.message}` };
        ctx.log(`${app}: ${verdict.message}`);
        await sleep(NAME, opts.pollIntervalMs, ctx.signal);
      }
    },
    async revert(instruction, ctx) {
      const set = componentsOf(instruction);
      const missing = withoutPrevious(NAME, set);
      const back = set.filter((c) => c.previousVersion);
      await setAndSync(
        helmValuesOf(NAME, opts.helmKeys, back, (c) => c.previousVersion),
        ctx,
      );
      if (missing.length > 0)
        throw partialRevertError(
          NAME,
          missing,
          back.map((c) => c.component),
        );
    },
    async doctor(ctx): Promise<DoctorCheck[]> {
      const checks: DoctorCheck[] = [];
      try {
        const version = await argocd(['version', '--client'], ctx, 30_000);
        checks.push({
          name: 'argocd binary',
          ok: version.exitCode === 0,
          detail: tail(version.stdout || version.stderr, 200),
        });
      } catch (error) {
        const code = isExecutorError(error) ? error.code : 'command_failed';
        checks.push({
          name: 'argocd binary',
          ok: false,
          code,
          detail: error instanceof Error ? error.message : String(error),
        });
        return checks;
      }
      // Where the CLI's credentials come from is described, not required: ARGOCD_SERVER / ARGOCD_AUTH_TOKEN, flags in
      // ARGOCD_OPTS (--core included) or an `argocd login` context are all valid, and the CLI alone knows which it
      // uses. The verdict is the CLI's own, on the very command apply starts with (`app get`).
      const source = credentialSource(commandEnv(opts.env));
      const app = applicationName(NAME, opts.appName, ctx.clientId);
      let failure: unknown;
      try {
        await getApp(app, ctx);
      } catch (error) {
        failure = error;
      }
      const message = failure instanceof Error ? failure.message : String(failure);
      const refused = failure !== undefined && NOT_AUTHENTICATED.test(message);
      checks.push(
        refused
          ? {
              name: 'argocd credentials',
              ok: false,
              code: 'forbidden',
              detail: `${source}: the CLI is not logged in to Argo CD: ${CREDENTIALS_FIX}`,
            }
          : { name: 'argocd credentials', ok: true, detail: source },
      );
      if (failure === undefined) checks.push({ name: `application ${app}`, ok: true, detail: 'readable' });
      else
        checks.push({
          name: `application ${app}`,
          ok: false,
          code: isExecutorError(failure) ? failure.code : 'command_failed',
          detail: message,
        });
      return checks;
    },
  };
}
