import { readFileSync } from 'node:fs';
// Ajv is in the workspace already (sdk-agent's compose-file check); the 2020-12 dialect is OpenAPI 3.1's.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { type Operation, SPEC_PATH } from '../conformance/spec';

type Json = Record<string, unknown>;

const SPEC_ID = 'https://wrktalk.test/openapi/gcc.yaml';

let spec: Json | undefined;
let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction | null>();

/** JSON pointer escaping of one reference token. */
const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function load(): { spec: Json; ajv: Ajv2020 } {
  if (!spec || !ajv) {
    spec = parse(readFileSync(SPEC_PATH, 'utf8')) as Json;
    // The whole document is one schema resource, so the contract's `#/components/schemas/…` refs resolve in it.
    // Formats are not checked (no ajv-formats here); OpenAPI keywords (`x-default`, `example`) are ignored.
    ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
    ajv.addSchema({ ...spec, $id: SPEC_ID });
  }
  return { spec, ajv };
}

/** Follows `$ref`s from `pointer`, returning the node and the pointer where it really lives. */
function at(doc: Json, pointer: string): { node: Json; pointer: string } {
  let p = pointer;
  for (let i = 0; i < 20; i++) {
    let node: unknown = doc;
    for (const part of p.split('/').slice(1)) {
      node = (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    const n = node as Json;
    if (n && typeof n.$ref === 'string' && n.$ref.startsWith('#/')) p = n.$ref.slice(1);
    else return { node: n, pointer: p };
  }
  throw new Error(`$ref loop at ${pointer}`);
}

export interface ResponseCheck {
  /** The status is one the operation declares (or it has a `default` response). */
  declared: boolean;
  /** Ajv's errors when the body does not match the declared schema, else `undefined`. */
  errors?: string;
}

/**
 * Checks one answer of `op` against the contract: its status is declared, and its body (when the declared response
 * has content for the answer's media type) is valid against that schema.
 */
export function checkResponse(
  op: Operation,
  status: number,
  contentType: string,
  body: unknown,
): ResponseCheck {
  const { spec: doc, ajv: v } = load();
  const opPointer = `/paths/${esc(op.path)}/${op.method.toLowerCase()}`;
  const responses = at(doc, `${opPointer}/responses`).node ?? {};
  const key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
  if (key === undefined) return { declared: false };
  const response = at(doc, `${opPointer}/responses/${key}`);
  const content = (response.node.content ?? {}) as Json;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (!(mediaType in content)) {
    // A declared response without content (304, 204) must come without a body.
    return Object.keys(content).length === 0 && body === undefined
      ? { declared: true }
      : { declared: true, errors: `no ${mediaType || '(no content type)'} content declared for ${status}` };
  }
  const schemaPointer = `${response.pointer}/content/${esc(mediaType)}/schema`;
  let validate = validators.get(schemaPointer);
  if (validate === undefined) {
    validate = v.compile({ $ref: `${SPEC_ID}#${schemaPointer}` });
    validators.set(schemaPointer, validate);
  }
  if (!validate) return { declared: true };
  return validate(body) ? { declared: true } : { declared: true, errors: v.errorsText(validate.errors) };
}
