import { describe, expect, it } from 'vitest';
import { parseFilter } from './filter.parser.js';
import { pageWithTotal, sqlListPage } from './list.page.js';
import type { ListQuery } from './list.query.js';

const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({
  startIndex: 1,
  count: 10,
  sortOrder: 'ascending',
  ...overrides,
});
const options = {
  resourceType: 'User' as const,
  columns: { userName: { column: 'u.user_name' } },
  sortColumns: { username: 'lower(u.user_name)' },
  idColumn: 'u.id',
};

describe('sqlListPage', () => {
  it('compiles the filter with parameters after the organization, and pages from startIndex', () => {
    const page = sqlListPage(
      query({ filter: parseFilter('userName eq "Bob"'), startIndex: 11, count: 5 }),
      options,
    );
    expect(page).toEqual({
      where: { sql: 'lower(u.user_name) = lower($2)', params: ['Bob'] },
      orderBy: 'u.id',
      offset: 10,
      limit: 5,
    });
  });

  it('sorts by known attributes with the id as tie-breaker, and by id otherwise', () => {
    expect(sqlListPage(query({ sortBy: 'userName', sortOrder: 'descending' }), options).orderBy).toBe(
      'lower(u.user_name) DESC, u.id',
    );
    expect(sqlListPage(query({ sortBy: 'nickName' }), options).orderBy).toBe('u.id');
  });
});

describe('pageWithTotal', () => {
  it('skips the count when the first page is not full', async () => {
    let counted = 0;
    const result = await pageWithTotal(
      query(),
      async () => ['a'],
      async () => ++counted,
    );
    expect(result).toEqual({ rows: ['a'], total: 1 });
    expect(counted).toBe(0);
  });

  it('counts for full pages, later pages and count=0 (which fetches nothing)', async () => {
    expect(
      await pageWithTotal(
        query({ count: 1 }),
        async () => ['a'],
        async () => 7,
      ),
    ).toEqual({ rows: ['a'], total: 7 });
    expect(
      await pageWithTotal(
        query({ startIndex: 3 }),
        async () => [],
        async () => 2,
      ),
    ).toEqual({ rows: [], total: 2 });
    let fetched = false;
    const onlyTotal = await pageWithTotal(
      query({ count: 0 }),
      async () => {
        fetched = true;
        return ['a'];
      },
      async () => 4,
    );
    expect(onlyTotal).toEqual({ rows: [], total: 4 });
    expect(fetched).toBe(false);
  });
});
