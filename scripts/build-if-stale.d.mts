/** A workspace of the root package.json with a build script or not, and the workspaces it depends on. */
export interface Workspace {
  /** As listed in the root's `workspaces`, e.g. `packages/sdk-gcc`. */
  path: string;
  /** Absolute directory. */
  dir: string;
  /** Whether it has a `build` script. */
  build: boolean;
  /** The `path`s of the workspaces it depends on (dependencies, devDependencies, peerDependencies). */
  deps: string[];
}
/** The newest file under `path`, or undefined when there is none. */
export function newestFile(path: string): { file: string; mtimeMs: number } | undefined;
/** What a workspace at `dir` is built from, besides its dependencies' dist/. */
export function buildInputs(dir: string, root?: string): string[];
/** Why the workspace at `dir` needs a build, or undefined when its dist/ is up to date. */
export function staleReason(dir: string, dependencyDirs?: string[], root?: string): string | undefined;
/** The root's workspaces in `workspaces` order. */
export function buildableWorkspaces(root?: string): Workspace[];
/** The workspaces `targets` need (themselves and their dependencies), in `workspaces` order. */
export function closure(workspaces: Workspace[], targets: string[]): Workspace[];
