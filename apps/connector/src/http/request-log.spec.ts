import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { requestLogFields } from './request-log.js';

const ORG = '6c0c3e4a-1d2b-4f5e-8a9b-0c1d2e3f4a5b';
const OTHER_ORG = '0a9f8e7d-6c5b-4a3f-9e8d-7c6b5a4f3e2d';

function fields(request: Record<string, unknown>) {
  const fake = {
    method: 'GET',
    url: `/scim/${ORG}/Users?filter=userName%20eq%20%22a%22&access_token=Secret1`,
    routeOptions: { url: '/scim/:organizationId/Users' },
    params: { organizationId: ORG },
    ...request,
  } as unknown as FastifyRequest;
  const reply = { statusCode: 200, elapsedTime: 12.345 } as unknown as FastifyReply;
  return requestLogFields(fake, reply);
}

describe('the request log line', () => {
  it('has the path without its query, the route pattern, status and duration', () => {
    expect(fields({})).toEqual({
      method: 'GET',
      url: `/scim/${ORG}/Users`,
      route: '/scim/:organizationId/Users',
      status: 200,
      durationMs: 12.3,
      organizationId: ORG,
      tokenId: null,
    });
  });

  it('names the token and its organization for each guard', () => {
    const token = { tokenId: 'tok-1', organizationId: OTHER_ORG, userId: 'u', globalRole: 'X' };
    expect(fields({ scimPrincipal: token })).toMatchObject({ organizationId: OTHER_ORG, tokenId: 'tok-1' });
    expect(fields({ managementPrincipal: token })).toMatchObject({
      organizationId: OTHER_ORG,
      tokenId: 'tok-1',
    });
    expect(fields({ auditReader: { kind: 'organization-admin', ...token } })).toMatchObject({
      organizationId: OTHER_ORG,
      tokenId: 'tok-1',
    });
    expect(
      fields({ auditReader: { kind: 'support', supportTokenId: 'sup-1', name: 'n' }, params: {} }),
    ).toMatchObject({ organizationId: null, tokenId: 'sup-1' });
  });

  it('takes the organization from the URL only when it is a well-formed id, and has no route for a 404', () => {
    expect(
      fields({ url: '/scim/not-an-id/Users', params: { organizationId: 'not-an-id' }, routeOptions: {} }),
    ).toMatchObject({ organizationId: null, route: null, url: '/scim/not-an-id/Users' });
  });
});
