import type { ValidateFunction } from 'ajv';
import { ExecutorError } from '../../executor';
import { imageVersion, withVersion } from '../shared/version';

const NAME = 'docker-compose';

/** The result of moving a service to a new version in a compose file's text. */
export interface ComposeImageEdit {
  /** The whole file, byte for byte the same except the image value. */
  text: string;
  previousImage: string;
  image: string;
  /** False when the service already had that image (nothing to write). */
  changed: boolean;
}

let validator: Promise<ValidateFunction> | undefined;

// yaml, Ajv and the schema load on first use, so agents with other executors do not carry them in memory.
const loadYaml = () => import('yaml');

async function compileValidator(): Promise<ValidateFunction> {
  const [{ Ajv }, spec] = await Promise.all([
    import('ajv'),
    import('./compose-spec.json', { with: { type: 'json' } }),
  ]);
  // The schema names draft-07 without the trailing '#', which Ajv does not recognise as its meta-schema.
  const { $schema: _ignored, ...schema } = spec.default as Record<string, unknown>;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/** Validates a parsed compose file against the compose-spec JSON schema; returns every problem found. */
export async function validateCompose(value: unknown): Promise<string[]> {
  if (!validator) validator = compileValidator();
  const validate = await validator;
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

function invalid(message: string): ExecutorError {
  return new ExecutorError({ executor: NAME, code: 'invalid_config', message });
}

/** Reads a service's `image:` from a compose file's text. */
export async function readServiceImage(text: string, service: string): Promise<string> {
  const { isScalar, parseDocument } = await loadYaml();
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) throw invalid(`compose file does not parse: ${doc.errors[0]?.message}`);
  const node = doc.getIn(['services', service, 'image'], true);
  if (!isScalar(node) || typeof node.value !== 'string') {
    throw invalid(`service ${JSON.stringify(service)} has no image: string in the compose file`);
  }
  return node.value;
}

/**
 * Moves `service` to `version` in a compose file's text, keeping its repository. The yaml Document API finds the
 * scalar and its source range; only that range is rewritten (in the same quoting style), so comments, order,
 * anchors and indentation stay exactly as the client wrote them. The result is re-parsed and schema-validated.
 */
export async function setServiceImage(
  text: string,
  service: string,
  version: string,
): Promise<ComposeImageEdit> {
  const { isScalar, parseDocument, Scalar } = await loadYaml();
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) throw invalid(`compose file does not parse: ${doc.errors[0]?.message}`);
  const node = doc.getIn(['services', service, 'image'], true);
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) {
    throw invalid(`service ${JSON.stringify(service)} has no image: string in the compose file`);
  }
  const previousImage = node.value;
  if (previousImage.includes('$')) {
    throw invalid(
      `image of ${service} uses variable interpolation (${previousImage}); set the variable instead`,
    );
  }
  const image = withVersion(previousImage, version);
  if (image === previousImage) return { text, previousImage, image, changed: false };
  let rendered: string;
  switch (node.type) {
    case Scalar.PLAIN:
      rendered = image;
      break;
    case Scalar.QUOTE_DOUBLE:
      rendered = JSON.stringify(image);
      break;
    case Scalar.QUOTE_SINGLE:
      rendered = `'${image}'`;
      break;
    default:
      throw invalid(`image of ${service} is a block scalar; write it as a plain or quoted string`);
  }
  const [start, valueEnd] = node.range;
  const next = `${text.slice(0, start)}${rendered}${text.slice(valueEnd)}`;
  const check = parseDocument(next, { merge: true });
  if (check.errors.length > 0 || check.getIn(['services', service, 'image']) !== image) {
    throw invalid(`editing the image of ${service} did not round-trip`);
  }
  const problems = await validateCompose(check.toJS());
  if (problems.length > 0) throw invalid(`edited compose file is not valid: ${problems.join('; ')}`);
  return { text: next, previousImage, image, changed: true };
}

/** The version an image reference runs (`latest` when it names none). */
export function composeImageVersion(image: string): string {
  return imageVersion(image) ?? 'latest';
}
