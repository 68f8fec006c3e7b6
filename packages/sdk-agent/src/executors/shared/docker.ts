/** One container as `docker compose ps --format json` or `docker inspect` describes it. */
export interface ContainerStatus {
  name: string;
  service?: string;
  image: string;
  /** created | running | paused | restarting | removing | exited | dead */
  state: string;
  /** '' without a healthcheck, else starting | healthy | unhealthy */
  health: string;
}

/** Whether containers run healthy, failed, or are still starting. */
export type ContainerVerdict =
  | { state: 'pending'; message: string }
  | { state: 'healthy'; message: string }
  | { state: 'failed'; message: string };

interface PsRow {
  Name?: string;
  Service?: string;
  Image?: string;
  State?: string;
  Health?: string;
}

/**
 * Parses `docker compose ps --format json`: JSON Lines since compose v2.21, one JSON array before. Both forms (and
 * empty output) are accepted.
 */
export function parseComposePs(stdout: string): ContainerStatus[] {
  const text = stdout.trim();
  if (text === '') return [];
  const rows: PsRow[] = text.startsWith('[')
    ? (JSON.parse(text) as PsRow[])
    : text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => JSON.parse(line) as PsRow);
  return rows.map((r) => ({
    name: r.Name ?? '',
    ...(r.Service === undefined ? {} : { service: r.Service }),
    image: r.Image ?? '',
    state: r.State ?? '',
    health: r.Health ?? '',
  }));
}

interface InspectRow {
  Name?: string;
  Config?: { Image?: string };
  State?: { Status?: string; Health?: { Status?: string } };
}

/** Parses `docker inspect` output (a JSON array). */
export function parseDockerInspect(stdout: string): ContainerStatus[] {
  const text = stdout.trim();
  if (text === '') return [];
  return (JSON.parse(text) as InspectRow[]).map((r) => ({
    name: (r.Name ?? '').replace(/^\//, ''),
    image: r.Config?.Image ?? '',
    state: r.State?.Status ?? '',
    health: r.State?.Health?.Status ?? '',
  }));
}

/**
 * Healthy when every container runs and is healthy (or has no healthcheck) on the expected image; failed on
 * `unhealthy`, `exited` or `dead`; pending while starting.
 */
export function evaluateContainers(containers: ContainerStatus[], expectedImage?: string): ContainerVerdict {
  if (containers.length === 0) return { state: 'pending', message: 'no container yet' };
  for (const c of containers) {
    if (expectedImage !== undefined && c.image !== expectedImage) {
      return { state: 'pending', message: `${c.name} still runs ${c.image}` };
    }
    if (c.health === 'unhealthy') return { state: 'failed', message: `${c.name} is unhealthy` };
    if (c.state === 'exited' || c.state === 'dead')
      return { state: 'failed', message: `${c.name} is ${c.state}` };
    if (c.state !== 'running') return { state: 'pending', message: `${c.name} is ${c.state}` };
    if (c.health !== '' && c.health !== 'healthy')
      return { state: 'pending', message: `${c.name} health is ${c.health}` };
  }
  const names = containers.map((c) => c.name).join(', ');
  const checked = containers.every((c) => c.health === 'healthy')
    ? 'running and healthy'
    : 'running (no healthcheck)';
  return { state: 'healthy', message: `${names} ${checked}` };
}
