import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROBLEM_TYPES, problemTypeUri } from '../src/problems';

const spec = parse(readFileSync(new URL('../../../openapi/gcc.yaml', import.meta.url), 'utf8')) as {
  components: {
    schemas: { ProblemCode: { enum: string[]; description: string } };
    examples: Record<string, { value?: { code?: string; title?: string; status?: number; type?: string } }>;
  };
};

describe('PROBLEM_TYPES: the one problem table, read from the contract', () => {
  const { enum: codes, description } = spec.components.schemas.ProblemCode;

  it('lists every code of the contract and no other', () => {
    expect(Object.keys(PROBLEM_TYPES).sort()).toEqual([...codes].sort());
  });

  it.each(codes)('answers %s with the status of the contract table', (code) => {
    const row = new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*(\\d{3})\\s*\\|`).exec(description);
    expect(row?.[1], `no row for ${code} in the ProblemCode table`).toBeDefined();
    expect(PROBLEM_TYPES[code as keyof typeof PROBLEM_TYPES].status).toBe(Number(row![1]));
  });

  it('gives each code the title, status and type of its problem examples', () => {
    const examples = Object.values(spec.components.examples)
      .map((e) => e.value)
      .filter((v) => typeof v?.code === 'string' && typeof v.title === 'string');
    expect(examples.length).toBeGreaterThan(10);
    for (const v of examples) {
      const code = v!.code as keyof typeof PROBLEM_TYPES;
      expect({ code, title: PROBLEM_TYPES[code].title, status: PROBLEM_TYPES[code].status }).toEqual({
        code,
        title: v!.title,
        status: v!.status,
      });
      expect(problemTypeUri(code)).toBe(v!.type);
    }
  });
});
