import { isGccHttpError } from '@wrktalk/sdk-gcc';

/** What an element shows for a failed GCC call. */
export interface ShownError {
  /** HTTP status, when the GCC (or a proxy) answered. */
  status: number | undefined;
  /** Problem code (`not_found`, `forbidden`, …), when the answer was problem+json. */
  code: string | undefined;
  /** One line for the user: the problem's `detail`, else its `title`, else the error message. */
  message: string;
  /** For `validation_failed`: each problem the GCC listed, with its JSON pointer into the request. */
  problems?: FieldProblem[];
}

/** One entry of a problem+json `errors` list: where (`/maintenance_windows/0/start`) and what. */
export interface FieldProblem {
  /** JSON pointer into the request: body fields as `/notification_emails/0`, parameters as `/query/limit`. */
  path: string;
  message: string;
}

/** Turns any thrown value into what the elements show (problem+json `detail` first). */
export function shownError(error: unknown): ShownError {
  if (isGccHttpError(error)) {
    const p = error.problem;
    return {
      status: error.status,
      code: error.code,
      message: p?.detail ?? p?.title ?? `The GCC answered ${error.status}.`,
      ...(p?.errors?.length ? { problems: p.errors.map((e) => ({ path: e.path, message: e.message })) } : {}),
    };
  }
  return {
    status: undefined,
    code: undefined,
    message: error instanceof Error ? error.message : String(error),
  };
}

/** A heading for an error state: not found and forbidden read differently from "something broke". */
export function errorHeading(e: ShownError): string {
  if (e.status === 404) return 'Not found';
  if (e.status === 401) return 'Not signed in';
  if (e.status === 403) return 'Not allowed';
  return 'Could not load';
}
