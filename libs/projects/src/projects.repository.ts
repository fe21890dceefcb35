import { Injectable } from '@nestjs/common';
import { isUuid, likePattern, SqlExecutor, type ListWindow, type Page } from '#persistence';

export interface ProjectRow {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SigningPolicyRow extends ProjectRow {
  projectId: string;
}

export interface NamedState {
  name: string;
  description: string | null;
}

const PROJECT_COLUMNS = `p.id, p.organization_id AS "organizationId", p.name, p.description,
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;
const POLICY_COLUMNS = `${PROJECT_COLUMNS}, p.project_id AS "projectId"`;

/**
 * Projects and their signing policies. Every statement is scoped by organization; an id that is
 * not a UUID, or one of another organization, simply finds nothing.
 */
@Injectable()
export class ProjectsRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insertProject(organizationId: string, state: NamedState): Promise<ProjectRow> {
    const row = await this.sql.one<ProjectRow>(
      `INSERT INTO projects AS p (organization_id, name, description) VALUES ($1, $2, $3)
       RETURNING ${PROJECT_COLUMNS}`,
      [organizationId, state.name, state.description],
    );
    return row!;
  }

  async findProject(organizationId: string, id: string): Promise<ProjectRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.sql.one<ProjectRow>(
      `SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.organization_id = $1 AND p.id = $2`,
      [organizationId, id],
    );
  }

  async listProjects(organizationId: string, window: ListWindow): Promise<Page<ProjectRow>> {
    return this.page(
      `FROM projects p WHERE p.organization_id = $1 AND ($2::text IS NULL OR p.name ILIKE $2)`,
      PROJECT_COLUMNS,
      [organizationId, window.name ? likePattern(window.name) : null],
      window,
    );
  }

  async updateProject(
    organizationId: string,
    id: string,
    state: NamedState,
  ): Promise<ProjectRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.sql.one<ProjectRow>(
      `UPDATE projects AS p SET name = $3, description = $4, updated_at = now()
        WHERE p.organization_id = $1 AND p.id = $2 RETURNING ${PROJECT_COLUMNS}`,
      [organizationId, id, state.name, state.description],
    );
  }

  /** Its signing policies and every permission on either go with it (foreign keys cascade). */
  async deleteProject(organizationId: string, id: string): Promise<ProjectRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.sql.one<ProjectRow>(
      `DELETE FROM projects AS p WHERE p.organization_id = $1 AND p.id = $2 RETURNING ${PROJECT_COLUMNS}`,
      [organizationId, id],
    );
  }

  async insertPolicy(
    organizationId: string,
    projectId: string,
    state: NamedState,
  ): Promise<SigningPolicyRow> {
    const row = await this.sql.one<SigningPolicyRow>(
      `INSERT INTO signing_policies AS p (organization_id, project_id, name, description) VALUES ($1, $2, $3, $4)
       RETURNING ${POLICY_COLUMNS}`,
      [organizationId, projectId, state.name, state.description],
    );
    return row!;
  }

  async findPolicy(
    organizationId: string,
    projectId: string,
    id: string,
  ): Promise<SigningPolicyRow | undefined> {
    if (!isUuid(projectId) || !isUuid(id)) return undefined;
    return this.sql.one<SigningPolicyRow>(
      `SELECT ${POLICY_COLUMNS} FROM signing_policies p
        WHERE p.organization_id = $1 AND p.project_id = $2 AND p.id = $3`,
      [organizationId, projectId, id],
    );
  }

  async listPolicies(
    organizationId: string,
    projectId: string,
    window: ListWindow,
  ): Promise<Page<SigningPolicyRow>> {
    return this.page(
      `FROM signing_policies p
        WHERE p.organization_id = $1 AND p.project_id = $3 AND ($2::text IS NULL OR p.name ILIKE $2)`,
      POLICY_COLUMNS,
      [organizationId, window.name ? likePattern(window.name) : null, projectId],
      window,
    );
  }

  async updatePolicy(
    organizationId: string,
    projectId: string,
    id: string,
    state: NamedState,
  ): Promise<SigningPolicyRow | undefined> {
    if (!isUuid(projectId) || !isUuid(id)) return undefined;
    return this.sql.one<SigningPolicyRow>(
      `UPDATE signing_policies AS p SET name = $4, description = $5, updated_at = now()
        WHERE p.organization_id = $1 AND p.project_id = $2 AND p.id = $3 RETURNING ${POLICY_COLUMNS}`,
      [organizationId, projectId, id, state.name, state.description],
    );
  }

  async deletePolicy(
    organizationId: string,
    projectId: string,
    id: string,
  ): Promise<SigningPolicyRow | undefined> {
    if (!isUuid(projectId) || !isUuid(id)) return undefined;
    return this.sql.one<SigningPolicyRow>(
      `DELETE FROM signing_policies AS p WHERE p.organization_id = $1 AND p.project_id = $2 AND p.id = $3
       RETURNING ${POLICY_COLUMNS}`,
      [organizationId, projectId, id],
    );
  }

  /**
   * One page ordered by name. The total needs no second statement when the first page is not full
   * (the common case of a short list).
   */
  private async page<T>(
    from: string,
    columns: string,
    params: unknown[],
    window: ListWindow,
  ): Promise<Page<T>> {
    const items = await this.sql.rows<T>(
      `SELECT ${columns} ${from} ORDER BY lower(p.name), p.id
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, window.limit, window.offset],
    );
    if (window.offset === 0 && items.length < window.limit) return { items, total: items.length };
    const count = await this.sql.one<{ total: number }>(`SELECT count(*)::int AS total ${from}`, params);
    return { items, total: count?.total ?? 0 };
  }
}
