/**
 * Every refusal and failure the hub answers is a FHIR OperationOutcome (application/fhir+json) whose
 * `diagnostics` and `details.text` say in plain English what happened and what to do next. Routes
 * throw `HubError`; the app's error handler turns it (and Fastify's own errors) into the response.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** OperationOutcome.issue.code values the hub uses (FHIR R4 issue-type). */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'processing'
  | 'not-supported'
  | 'duplicate'
  | 'not-found'
  | 'conflict'
  | 'too-long'
  | 'business-rule'
  | 'exception'
  | 'transient'
  | 'timeout';

export interface Problem {
  /** Plain English: what is wrong and what to do. */
  text: string;
  code?: IssueCode;
  /** Where (FHIRPath-like), e.g. `Bundle.entry[0].resource.authoredOn`. */
  expression?: string;
}

/** An error the hub answers with `status` and an OperationOutcome of `problems`. */
export class HubError extends Error {
  readonly problems: Problem[];
  constructor(
    readonly status: number,
    problems: Problem | Problem[] | string,
    readonly headers: Record<string, string> = {},
  ) {
    const list =
      typeof problems === 'string' ? [{ text: problems }] : Array.isArray(problems) ? problems : [problems];
    super(list.map((p) => p.text).join(' '));
    this.name = 'HubError';
    this.problems = list;
  }
}

function defaultCode(status: number): IssueCode {
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 405) return 'not-supported';
  if (status === 409) return 'conflict';
  if (status === 413) return 'too-long';
  if (status === 415) return 'not-supported';
  if (status === 422) return 'business-rule';
  if (status === 503) return 'transient';
  if (status >= 500) return 'exception';
  return 'invalid';
}

/** An OperationOutcome with one issue per problem (severity error, or information for 2xx/3xx). */
export function operationOutcome(status: number, problems: Problem[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: problems.map((p): OperationOutcomeIssue => {
      const issue: OperationOutcomeIssue = {
        severity: status >= 400 ? 'error' : 'information',
        code: p.code ?? defaultCode(status),
        details: { text: p.text },
        diagnostics: p.text,
      };
      if (p.expression !== undefined) issue.expression = [p.expression];
      return issue;
    }),
  };
}

/** What Fastify's own errors (by `code`) mean for the caller, in plain English. */
const FASTIFY_ERRORS: Record<string, { status: number; text: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    text: 'The request body is larger than the hub accepts (1 MB). A referral is far smaller: check that the right content is being sent.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    text: 'The request body must be JSON: send it with Content-Type application/fhir+json or application/json.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    text: 'The request body is empty, but JSON was announced: send the JSON, or leave out the Content-Type header.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    text: 'The request’s Content-Length does not match its body: send the request again.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    text: 'The request body is not valid JSON: check it is complete and correctly formatted, then send it again.',
  },
  FST_ERR_BAD_URL: { status: 400, text: 'The request address could not be read: check it and try again.' },
  FST_ERR_CTP_BODY_NOT_ALLOWED: {
    status: 400,
    text: 'This request must not have a body: send it without one.',
  },
};

/**
 * The status and problems for any thrown value: HubError as given; Fastify's errors (and JSON syntax
 * errors) as 4xx with plain English; anything else as 500 without internals (`internal` true: log it).
 */
export function describeError(error: unknown): {
  status: number;
  problems: Problem[];
  headers: Record<string, string>;
  internal: boolean;
} {
  if (error instanceof HubError) {
    return { status: error.status, problems: error.problems, headers: error.headers, internal: false };
  }
  const e = error as { code?: string; statusCode?: number; name?: string } | undefined;
  const known = e?.code === undefined ? undefined : FASTIFY_ERRORS[e.code];
  if (known !== undefined)
    return { status: known.status, problems: [{ text: known.text }], headers: {}, internal: false };
  if (error instanceof SyntaxError) {
    return {
      status: 400,
      problems: [{ text: FASTIFY_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY?.text ?? '' }],
      headers: {},
      internal: false,
    };
  }
  const status = e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      status,
      problems: [
        { text: 'The request could not be read: check its address, headers and body, then send it again.' },
      ],
      headers: {},
      internal: false,
    };
  }
  return {
    status: 500,
    problems: [
      {
        code: 'exception',
        text: 'The referral hub could not finish this request because of a problem on its side. Try again in a minute; if it keeps happening, tell the practice IT lead.',
      },
    ],
    headers: {},
    internal: true,
  };
}
