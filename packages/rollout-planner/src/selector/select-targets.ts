import type { Client } from '../clients/client';
import { matchesSelector, parseSelector } from './parse-selector';

/** What to target: explicit client ids and/or a label selector; both given means either matches (union). */
export interface TargetSelector {
  /** Explicit client ids. */
  ids?: readonly string[];
  /** Kubernetes-style label selector, e.g. `tier=premium,region in (eu,us)`. */
  labelSelector?: string;
}

/** A problem with a target selection; positions point into the id list or the selector string. */
export type TargetProblem =
  | { code: 'unknown_id'; id: string; index: number; message: string }
  | { code: 'selector_syntax'; position: number; message: string }
  | { code: 'empty_selection'; message: string };

/** Selected clients (in input order) plus every problem found; selection is empty when the selector is invalid. */
export interface TargetSelection {
  /** Selected clients, in the order they were given. */
  clients: Client[];
  /** Every problem found; empty when the selection is clean. */
  problems: TargetProblem[];
}

/** Selects the target clients of a deployment by ids and/or a label selector; never throws. */
export function selectTargets(clients: readonly Client[], selector: TargetSelector): TargetSelection {
  const problems: TargetProblem[] = [];
  const ids = selector.ids ?? [];
  const wanted = new Set(ids);
  const hasSelector = selector.labelSelector !== undefined && selector.labelSelector.trim() !== '';
  if (ids.length === 0 && !hasSelector) {
    return {
      clients: [],
      problems: [{ code: 'empty_selection', message: 'no client ids and no label selector given' }],
    };
  }
  let requirements = null;
  if (hasSelector) {
    const parsed = parseSelector(selector.labelSelector ?? '');
    if (parsed.ok) requirements = parsed.requirements;
    else {
      for (const p of parsed.problems) {
        problems.push({
          code: 'selector_syntax',
          position: p.position,
          message: `${p.message} at position ${p.position}`,
        });
      }
    }
  }
  if (ids.length > 0) {
    const known = new Set<string>();
    for (const c of clients) known.add(c.id);
    ids.forEach((id, index) => {
      if (!known.has(id)) {
        problems.push({
          code: 'unknown_id',
          id,
          index,
          message: `unknown client id '${id}' at ids[${index}]`,
        });
      }
    });
  }
  if (hasSelector && requirements === null) return { clients: [], problems };
  const selected: Client[] = [];
  for (const c of clients) {
    if (wanted.has(c.id) || (requirements !== null && matchesSelector(c.labels, requirements))) {
      selected.push(c);
    }
  }
  return { clients: selected, problems };
}
