/**
 * The SQL side of a list request, shared by every resource: the compiled filter, the ORDER BY and
 * the page, and the rule that spares a count query when the first page is not full.
 */
import { compileFilterToSql, type FilterColumnMap, type SqlFragment } from './filter.sql.js';
import type { ListQuery } from './list.query.js';
import type { ResourceTypeName } from './schemas.definition.js';

export interface SqlListPage {
  /** Boolean SQL with parameters numbered from $2 ($1 is the organization). */
  readonly where?: SqlFragment;
  readonly orderBy: string;
  readonly offset: number;
  readonly limit: number;
}

export interface SqlListOptions {
  readonly resourceType: ResourceTypeName;
  readonly columns: FilterColumnMap;
  /** Lower-cased canonical attribute path -> SQL expression. */
  readonly sortColumns: Readonly<Record<string, string>>;
  /** The stable, index-backed tie-breaker and default order, e.g. `u.id`. */
  readonly idColumn: string;
}

export function sqlListPage(query: ListQuery, options: SqlListOptions): SqlListPage {
  const where = query.filter
    ? compileFilterToSql(query.filter, {
        resourceType: options.resourceType,
        columns: options.columns,
        paramOffset: 1,
      })
    : undefined;
  const sortColumn = query.sortBy ? options.sortColumns[query.sortBy.toLowerCase()] : undefined;
  const orderBy = sortColumn
    ? `${sortColumn} ${query.sortOrder === 'descending' ? 'DESC' : 'ASC'}, ${options.idColumn}`
    : options.idColumn;
  return { where, orderBy, offset: query.startIndex - 1, limit: query.count };
}

/**
 * Runs a page and its total. Entra's lookups match one resource or none, so a first page that is
 * not full already is the total and the count query is skipped; `count=0` asks for the total only.
 */
export async function pageWithTotal<T>(
  query: ListQuery,
  fetch: () => Promise<T[]>,
  count: () => Promise<number>,
): Promise<{ rows: T[]; total: number }> {
  const rows = query.count === 0 ? [] : await fetch();
  const total = query.startIndex === 1 && rows.length < query.count ? rows.length : await count();
  return { rows, total };
}
