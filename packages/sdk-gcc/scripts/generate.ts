/**
 * Generates the SDK's wire types and schemas from `openapi/gcc.yaml`:
 * - `src/generated/gcc.ts`: TypeScript types (openapi-typescript).
 * - `src/generated/definitions.ts`: the spec's component schemas as JSON Schema `$defs`, from which
 *   `src/schemas.ts` builds the zod validators at load time (so they cannot drift from the spec).
 * - `src/generated/openapi-document.ts`: the spec itself, as YAML and JSON text, so a GCC can serve its own contract
 *   (`@wrktalk/sdk-gcc/openapi`) with no file to locate at run time.
 *
 * `--check` regenerates in memory and fails when the committed files differ (stale generated code).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { parse } from 'yaml';

const specUrl = new URL('../../../openapi/gcc.yaml', import.meta.url);
const typesFile = fileURLToPath(new URL('../src/generated/gcc.ts', import.meta.url));
const defsFile = fileURLToPath(new URL('../src/generated/definitions.ts', import.meta.url));
const documentFile = fileURLToPath(new URL('../src/generated/openapi-document.ts', import.meta.url));
const header =
  '// Generated from openapi/gcc.yaml by packages/sdk-gcc/scripts/generate.ts. Do not edit; run `npm run generate`.\n';

const ANNOTATIONS = new Set(['examples', 'example', 'description', 'title', 'deprecated']);

/** Rewrites refs to `$defs` and drops annotations; `names` is true where keys are names (properties, $defs). */
function rewriteRefs(value: unknown, names = false): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!names && (ANNOTATIONS.has(k) || k.startsWith('x-'))) continue;
      if (!names && k === '$ref' && typeof v === 'string')
        out[k] = v.replace('#/components/schemas/', '#/$defs/');
      else out[k] = rewriteRefs(v, !names && (k === 'properties' || k === 'patternProperties'));
    }
    return out;
  }
  return value;
}

async function generate(): Promise<Map<string, string>> {
  const types = header + astToString(await openapiTS(specUrl));
  const yaml = await readFile(specUrl, 'utf8');
  const spec = parse(yaml) as { components: { schemas: Record<string, unknown> } };
  const defs = rewriteRefs(spec.components.schemas, true);
  const definitions = `${header}/** The component schemas of openapi/gcc.yaml as JSON Schema \`$defs\` (refs rewritten, docs dropped). */\nexport const definitions = ${JSON.stringify(defs, null, 2)} as const;\n`;
  const document = `${header}/** openapi/gcc.yaml as it is. */\nexport const OPENAPI_YAML: string = ${JSON.stringify(yaml)};\n/** openapi/gcc.yaml as JSON text. */\nexport const OPENAPI_JSON: string = ${JSON.stringify(JSON.stringify(spec))};\n`;
  return new Map([
    [typesFile, types],
    [defsFile, definitions],
    [documentFile, document],
  ]);
}

const check = process.argv.includes('--check');
const files = await generate();
let stale = false;
for (const [file, contents] of files) {
  if (check) {
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current !== contents) {
      console.error(
        `stale generated file: ${file}\n  the spec changed; run \`npm run generate\` and commit the result`,
      );
      stale = true;
    }
  } else {
    await writeFile(file, contents);
    console.log(`wrote ${file}`);
  }
}
if (stale) process.exit(1);
