import { Injectable } from '@nestjs/common';
import type { Page } from '#persistence';
import { ProjectsRepository, type NamedState, type ProjectRow, type SigningPolicyRow } from '#projects';
import type { NamedPageQueryDto } from './management-common.dto.js';
import { pageWindow } from './management-common.dto.js';
import type { CreateProjectDto, UpdateProjectDto } from './management-project.dto.js';
import { notFound, rethrowConflict } from './management.errors.js';
import type { ManagementPrincipal } from './management.guard.js';
import { ManualChangeRecorder } from './manual-change.recorder.js';

const PROJECT_CONFLICTS = {
  UQ_projects_organization_lower_name: {
    code: 'PROJECT_NAME_TAKEN' as const,
    field: 'name',
    message: 'Another project of this organization already has this name (compared case-insensitively).',
  },
};
const POLICY_CONFLICTS = {
  UQ_signing_policies_project_lower_name: {
    code: 'SIGNING_POLICY_NAME_TAKEN' as const,
    field: 'name',
    message: 'Another signing policy of this project already has this name (compared case-insensitively).',
  },
};

function changesOf(before: NamedState | undefined, after: NamedState) {
  const changed: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of ['name', 'description'] as const) {
    const was = before ? before[key] : null;
    if (was !== after[key]) changed[key] = { before: was, after: after[key] };
  }
  return changed;
}

function merged(current: NamedState, body: UpdateProjectDto): NamedState {
  return {
    name: body.name ?? current.name,
    description: body.description === undefined ? current.description : body.description,
  };
}

/** Projects and their signing policies. */
@Injectable()
export class ManagementProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly changes: ManualChangeRecorder,
  ) {}

  list(organizationId: string, query: NamedPageQueryDto): Promise<Page<ProjectRow>> {
    return this.projects.listProjects(organizationId, { name: query.name, ...pageWindow(query) });
  }

  async get(organizationId: string, id: string): Promise<ProjectRow> {
    const project = await this.projects.findProject(organizationId, id);
    if (!project) throw notFound('Project', id);
    return project;
  }

  async create(principal: ManagementPrincipal, body: CreateProjectDto): Promise<ProjectRow> {
    const state = { name: body.name, description: body.description ?? null };
    const project = await this.projects
      .insertProject(principal.organizationId, state)
      .catch((error: unknown) => rethrowConflict(error, PROJECT_CONFLICTS));
    this.changes.record({
      operation: 'create',
      resourceType: 'Project',
      resourceId: project.id,
      label: project.name,
      effect: { changed: changesOf(undefined, state) },
    });
    return project;
  }

  async update(principal: ManagementPrincipal, id: string, body: UpdateProjectDto): Promise<ProjectRow> {
    const current = await this.get(principal.organizationId, id);
    const after = merged(current, body);
    const changed = changesOf(current, after);
    if (Object.keys(changed).length === 0) return current;
    const project = await this.projects
      .updateProject(principal.organizationId, current.id, after)
      .catch((error: unknown) => rethrowConflict(error, PROJECT_CONFLICTS));
    if (!project) throw notFound('Project', id);
    this.changes.record({
      operation: 'update',
      resourceType: 'Project',
      resourceId: project.id,
      label: project.name,
      effect: { changed },
    });
    return project;
  }

  /** Its signing policies and every permission on either are deleted with it. */
  async delete(principal: ManagementPrincipal, id: string): Promise<void> {
    const deleted = await this.projects.deleteProject(principal.organizationId, id);
    if (!deleted) throw notFound('Project', id);
    this.changes.record({
      operation: 'delete',
      resourceType: 'Project',
      resourceId: deleted.id,
      label: deleted.name,
    });
  }

  async listPolicies(
    organizationId: string,
    projectId: string,
    query: NamedPageQueryDto,
  ): Promise<Page<SigningPolicyRow>> {
    await this.get(organizationId, projectId);
    return this.projects.listPolicies(organizationId, projectId, { name: query.name, ...pageWindow(query) });
  }

  async getPolicy(organizationId: string, projectId: string, id: string): Promise<SigningPolicyRow> {
    await this.get(organizationId, projectId);
    const policy = await this.projects.findPolicy(organizationId, projectId, id);
    if (!policy) throw notFound('Signing policy', id);
    return policy;
  }

  async createPolicy(
    principal: ManagementPrincipal,
    projectId: string,
    body: CreateProjectDto,
  ): Promise<SigningPolicyRow> {
    const project = await this.get(principal.organizationId, projectId);
    const state = { name: body.name, description: body.description ?? null };
    const policy = await this.projects
      .insertPolicy(principal.organizationId, project.id, state)
      .catch((error: unknown) => rethrowConflict(error, POLICY_CONFLICTS));
    this.changes.record({
      operation: 'create',
      resourceType: 'SigningPolicy',
      resourceId: policy.id,
      label: `${project.name} / ${policy.name}`,
      effect: { changed: changesOf(undefined, state), projectId: project.id },
    });
    return policy;
  }

  async updatePolicy(
    principal: ManagementPrincipal,
    projectId: string,
    id: string,
    body: UpdateProjectDto,
  ): Promise<SigningPolicyRow> {
    const current = await this.getPolicy(principal.organizationId, projectId, id);
    const after = merged(current, body);
    const changed = changesOf(current, after);
    if (Object.keys(changed).length === 0) return current;
    const policy = await this.projects
      .updatePolicy(principal.organizationId, current.projectId, current.id, after)
      .catch((error: unknown) => rethrowConflict(error, POLICY_CONFLICTS));
    if (!policy) throw notFound('Signing policy', id);
    this.changes.record({
      operation: 'update',
      resourceType: 'SigningPolicy',
      resourceId: policy.id,
      label: policy.name,
      effect: { changed, projectId: policy.projectId },
    });
    return policy;
  }

  async deletePolicy(principal: ManagementPrincipal, projectId: string, id: string): Promise<void> {
    await this.get(principal.organizationId, projectId);
    const deleted = await this.projects.deletePolicy(principal.organizationId, projectId, id);
    if (!deleted) throw notFound('Signing policy', id);
    this.changes.record({
      operation: 'delete',
      resourceType: 'SigningPolicy',
      resourceId: deleted.id,
      label: deleted.name,
      effect: { projectId: deleted.projectId },
    });
  }
}
