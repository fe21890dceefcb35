import { describe, expect, it } from 'vitest';
import { listResponse, parseListQuery, parseSearchRequest } from './list.query.js';
import { ScimError } from './scim.error.js';

const users = { resourceType: 'User', defaultCount: 100, maxCount: 200 } as const;
const groups = { resourceType: 'Group', defaultCount: 100, maxCount: 200 } as const;

function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('parseListQuery', () => {
  it('applies defaults', () => {
    expect(parseListQuery({}, users)).toStrictEqual({ startIndex: 1, count: 100, sortOrder: 'ascending' });
  });

  it("parses Entra's group lookup", () => {
    const query = parseListQuery({ excludedAttributes: 'members', filter: 'displayName eq "Sales"' }, groups);
    expect(query).toStrictEqual({
      filter: { kind: 'compare', path: { name: 'displayName' }, op: 'eq', value: 'Sales' },
      startIndex: 1,
      count: 100,
      sortOrder: 'ascending',
      excludedAttributes: ['members'],
    });
  });

  it('parses paging, sorting and projections', () => {
    expect(
      parseListQuery(
        {
          startIndex: '6',
          count: '5',
          sortBy: 'Name.FamilyName',
          sortOrder: 'Descending',
          attributes: ['id, userName', 'emails.value'],
          aadOptscim062020: '',
          unknown: 'ignored',
        },
        users,
      ),
    ).toStrictEqual({
      startIndex: 6,
      count: 5,
      sortBy: 'name.familyName',
      sortOrder: 'descending',
      attributes: ['id', 'userName', 'emails.value'],
    });
    expect(parseListQuery({ sortBy: 'employeeNumber' }, users).sortBy).toBe(
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
    );
  });

  it('clamps startIndex and count', () => {
    expect(parseListQuery({ startIndex: '0', count: '-3' }, users)).toMatchObject({
      startIndex: 1,
      count: 0,
    });
    expect(parseListQuery({ startIndex: '-7', count: '0' }, users)).toMatchObject({
      startIndex: 1,
      count: 0,
    });
    expect(parseListQuery({ count: '5000' }, users).count).toBe(200);
    expect(parseListQuery({ startIndex: '99999999999999999999999' }, users).startIndex).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('matches parameter names case-insensitively and treats empty values as absent', () => {
    expect(
      parseListQuery({ STARTINDEX: '3', Count: '2', filter: '', excludedattributes: 'members' }, groups),
    ).toStrictEqual({
      startIndex: 3,
      count: 2,
      sortOrder: 'ascending',
      excludedAttributes: ['members'],
    });
  });

  it.each([
    [{ startIndex: 'abc' }, 'invalidValue', /startIndex/],
    [{ count: '1.5' }, 'invalidValue', /count/],
    [{ sortOrder: 'up' }, 'invalidValue', /sortOrder/],
    [{ sortBy: 'shoeSize' }, 'invalidValue', /unknown attribute/],
    [{ sortBy: 'name' }, 'invalidValue', /sub-attribute/],
    [{ sortBy: 'password' }, 'invalidValue', /cannot sort/],
    [{ filter: 'userName eq' }, 'invalidFilter', /position/],
    [{ filter: ['a pr', 'b pr'] }, 'invalidFilter', /only once/],
    [{ count: ['1', '2'] }, 'invalidValue', /only once/],
  ])('rejects %j', (params, scimType, message) => {
    const error = scimErrorOf(() => parseListQuery(params, users));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(scimType);
    expect(error.detail).toMatch(message);
  });

  it('passes filter limits through', () => {
    expect(
      scimErrorOf(() => parseListQuery({ filter: 'userName eq "abcdef"' }, { ...users, maxLength: 5 }))
        .scimType,
    ).toBe('invalidFilter');
  });
});

describe('parseSearchRequest', () => {
  it('parses a .search body', () => {
    expect(
      parseSearchRequest(
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          attributes: ['displayName', 'userName'],
          excludedAttributes: ['emails'],
          filter: 'displayName sw "smith"',
          startIndex: 1,
          count: 10,
          sortBy: 'userName',
        },
        users,
      ),
    ).toStrictEqual({
      filter: { kind: 'compare', path: { name: 'displayName' }, op: 'sw', value: 'smith' },
      startIndex: 1,
      count: 10,
      sortBy: 'userName',
      sortOrder: 'ascending',
      attributes: ['displayName', 'userName'],
      excludedAttributes: ['emails'],
    });
  });

  it('rejects bad bodies', () => {
    expect(scimErrorOf(() => parseSearchRequest('x', users)).scimType).toBe('invalidSyntax');
    expect(scimErrorOf(() => parseSearchRequest({ filter: 5 }, users)).scimType).toBe('invalidFilter');
    expect(scimErrorOf(() => parseSearchRequest({ count: 1.5 }, users)).scimType).toBe('invalidValue');
    expect(scimErrorOf(() => parseSearchRequest({ count: {} }, users)).scimType).toBe('invalidValue');
    expect(scimErrorOf(() => parseSearchRequest({ attributes: [1] }, users)).scimType).toBe('invalidValue');
  });
});

describe('listResponse', () => {
  it('builds the RFC 7644 §3.4.2 envelope', () => {
    expect(listResponse([{ id: 'a' }], 7, 6)).toStrictEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 7,
      itemsPerPage: 1,
      startIndex: 6,
      Resources: [{ id: 'a' }],
    });
    expect(listResponse([], 0, 1)).toMatchObject({ totalResults: 0, itemsPerPage: 0, Resources: [] });
  });
});
