import type { ProjectionQuery } from './projection.js';

/** Where a request came in: the organization and the Tenant URL (dry-run or not) it used. */
export interface ScimTenant {
  readonly organizationId: string;
  readonly tenantUrl: string;
}

/** Everything about a SCIM call a resource service needs besides its body and id. */
export interface ScimCall {
  readonly tenant: ScimTenant;
  /** The query string, for list requests. */
  readonly query: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** `attributes` / `excludedAttributes`, for the answer of any request. */
  readonly projection: ProjectionQuery;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
}

/** What a resource service answers; the HTTP layer turns it into status, headers and body. */
export interface ScimResult {
  status: number;
  body?: Record<string, unknown>;
  etag?: string;
  location?: string;
}
