/** RFC 7644 §3.12 `scimType` values. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** The one definition of the RFC 7644 §3.12 error URN; `MESSAGE_URN.error` and the HTTP layer use it. */
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  /** RFC 7644 §3.12 makes the status a JSON string, not a number. */
  status: string;
  scimType?: ScimType;
  detail: string;
}

/**
 * The RFC 7644 §3.12 envelope, built in one place for every SCIM error the server sends (thrown
 * ScimErrors, framework and database failures, and requests Node refuses before routing). The
 * member order is part of it: bodies stay byte-identical whichever path produced them.
 */
export function scimErrorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return scimType === undefined
    ? { schemas: [SCIM_ERROR_SCHEMA], status: String(status), detail }
    : { schemas: [SCIM_ERROR_SCHEMA], status: String(status), scimType, detail };
}

/**
 * The one error type the protocol layer throws for anything a client did wrong. The HTTP layer
 * turns it into a response with `scimErrorBody()`; anything else that escapes is a bug (500).
 */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType?: ScimType;
  readonly detail: string;
  /** For 429 (and 503): seconds the client should wait, sent as `Retry-After`. */
  retryAfterSeconds?: number;

  constructor(status: number, detail: string, scimType?: ScimType) {
    super(scimType ? `${scimType}: ${detail}` : detail);
    this.name = 'ScimError';
    this.status = status;
    this.detail = detail;
    if (scimType !== undefined) this.scimType = scimType;
  }

  static badRequest(scimType: ScimType, detail: string): ScimError {
    return new ScimError(400, detail, scimType);
  }
  static invalidFilter(detail: string): ScimError {
    return ScimError.badRequest('invalidFilter', detail);
  }
  static invalidValue(detail: string): ScimError {
    return ScimError.badRequest('invalidValue', detail);
  }
  static invalidPath(detail: string): ScimError {
    return ScimError.badRequest('invalidPath', detail);
  }
  static invalidSyntax(detail: string): ScimError {
    return ScimError.badRequest('invalidSyntax', detail);
  }
  static noTarget(detail: string): ScimError {
    return ScimError.badRequest('noTarget', detail);
  }
  static mutability(detail: string): ScimError {
    return ScimError.badRequest('mutability', detail);
  }
  static tooMany(detail: string): ScimError {
    return ScimError.badRequest('tooMany', detail);
  }
  static invalidVers(detail: string): ScimError {
    return ScimError.badRequest('invalidVers', detail);
  }
  static sensitive(detail: string): ScimError {
    return ScimError.badRequest('sensitive', detail);
  }
  static notFound(detail: string): ScimError {
    return new ScimError(404, detail);
  }
  /** 409 with `scimType: "uniqueness"`, which is what Entra expects for duplicates. */
  static uniqueness(detail: string): ScimError {
    return new ScimError(409, detail, 'uniqueness');
  }
  static conflict(detail: string): ScimError {
    return ScimError.uniqueness(detail);
  }
  static preconditionFailed(detail: string): ScimError {
    return new ScimError(412, detail);
  }
  /** 429 with `Retry-After` (RFC 7644 §3.12 lists 429 among the statuses a server may answer). */
  static tooManyRequests(detail: string, retryAfterSeconds: number): ScimError {
    const error = new ScimError(429, detail);
    error.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
    return error;
  }

  toScimErrorBody(): ScimErrorBody {
    return scimErrorBody(this.status, this.detail, this.scimType);
  }

  toJSON(): ScimErrorBody {
    return this.toScimErrorBody();
  }
}

export function isScimError(error: unknown): error is ScimError {
  return error instanceof ScimError;
}
