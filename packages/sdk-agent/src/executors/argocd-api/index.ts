import { type DoctorCheck, type Executor, isExecutorError } from '../../executor';
import { createArgoCdFlow } from '../shared/argocd-flow';
import { applicationName } from '../shared/options';
import { createArgoCdApiClient } from './client';
import { type ArgoCdApiExecutorOptions, compileArgoCdApiOptions } from './options';

export * from './client';
export type { ArgoCdApiExecutorOptions } from './options';
export { compileArgoCdApiOptions } from './options';

const NAME = 'argocd-api';

/**
 * Updates a client's Argo CD application through the Argo CD REST API: GET the app, set the Helm parameter
 * (`forceString: true`) in `spec.source.helm` or the Helm source of `spec.sources`, PUT the whole spec, POST a sync,
 * then poll with the stale-status guard. A running operation (HTTP 400) is waited for; a sync window (403) is a
 * retryable `forbidden`. The same client ({@link createArgoCdApiClient}) serves the GCC's fast path.
 */
export function createArgoCdApiExecutor(options: ArgoCdApiExecutorOptions): Executor {
  const opts = compileArgoCdApiOptions(options);
  const client = createArgoCdApiClient({ ...options, executorName: NAME });
  const flow = createArgoCdFlow(NAME, opts, {
    get: (app, signal, refresh) =>
      client.getApplication(app, { signal, ...(refresh ? { refresh: 'normal' } : {}) }),
    async writeSpec(app, found, edit, signal) {
      await client.updateSpec(app, edit(found.spec ?? {}), { signal });
    },
    async sync(app, _found, signal) {
      try {
        await client.sync(app, {}, { signal });
        return 'started';
      } catch (error) {
        if (isExecutorError(error) && error.code === 'operation_in_progress') return 'in_progress';
        throw error;
      }
    },
  });
  return {
    ...flow,
    async doctor(ctx): Promise<DoctorCheck[]> {
      const app = applicationName(NAME, opts.appName, ctx.clientId);
      try {
        await client.getApplication(app, { signal: ctx.signal });
        return [{ name: `Argo CD application ${app}`, ok: true, detail: `readable at ${options.baseUrl}` }];
      } catch (error) {
        return [
          {
            name: `Argo CD application ${app}`,
            ok: false,
            code: isExecutorError(error) ? error.code : 'api_error',
            detail: `${error instanceof Error ? error.message : String(error)} (the token needs applications get, update, sync)`,
          },
        ];
      }
    },
  };
}
