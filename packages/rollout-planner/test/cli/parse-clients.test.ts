import { describe, expect, it } from 'vitest';
import { detectFormat, parseClients, parseLabels } from '../../src/cli/parse-clients';

describe('parseClients', () => {
  it('parses CSV with k=v;k=v labels and an empty argocd_instance', () => {
    const r = parseClients(
      'id,labels,target_kind,argocd_instance\na, tier=premium ; region=eu ,argocd,argo-1\nb,,docker,\n',
    );
    expect(r).toEqual({
      ok: true,
      clients: [
        {
          id: 'a',
          labels: { tier: 'premium', region: 'eu' },
          targetKind: 'argocd',
          argocdInstance: 'argo-1',
        },
        { id: 'b', labels: {}, targetKind: 'docker', argocdInstance: null },
      ],
    });
  });
  it('reports CSV header problems', () => {
    const r = parseClients('ident,labels\nx,\n', 'csv');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems.map((p) => p.message)).toEqual([
        "missing column 'id' (columns: id,labels,target_kind,argocd_instance,timezone,current_versions)",
        "missing column 'target_kind' (columns: id,labels,target_kind,argocd_instance,timezone,current_versions)",
        "unknown column 'ident'",
      ]);
  });
  it('parses JSON in camelCase or snake_case', () => {
    const r = parseClients('[{"id":"a","labels":{},"target_kind":"kubernetes","argocd_instance":null}]');
    expect(r.ok && r.clients[0]).toEqual({
      id: 'a',
      labels: {},
      targetKind: 'kubernetes',
      argocdInstance: null,
    });
  });
  it('detects the format', () => {
    expect(detectFormat('  [ ]')).toBe('json');
    expect(detectFormat('id,labels')).toBe('csv');
  });
  it('parses labels', () => {
    expect(parseLabels('a=1;b = 2;')).toEqual({ a: '1', b: '2' });
    expect(parseLabels('a')).toBeNull();
    expect(parseLabels('=1')).toBeNull();
  });
});
