import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { Group } from '#groups';
import { User } from '#users';
import { PERMISSION_KINDS, type PermissionKind } from './permission-kind.js';
import { Project } from './project.entity.js';
import { SigningPolicy } from './signing-policy.entity.js';

/**
 * One permission granted to one principal (a user or a group, manual or synchronized) on a
 * project (Configurator) or on one of its signing policies (Submitter, Approver). Deleting the
 * project, the policy, the group or the user removes the grant with it. Uniqueness per (target,
 * principal, permission) is two partial unique indexes written in the migration.
 */
@Entity({ name: 'permissions' })
@Check('CHK_permissions_one_principal', `num_nonnulls(user_id, group_id) = 1`)
@Check(
  'CHK_permissions_target',
  `(signing_policy_id IS NULL AND permission = 'Configurator') OR (signing_policy_id IS NOT NULL AND permission IN ('Submitter', 'Approver'))`,
)
@Index('UQ_permissions_user_grant', { synchronize: false })
@Index('UQ_permissions_group_grant', { synchronize: false })
@Index('IX_permissions_target', ['organizationId', 'projectId', 'signingPolicyId'])
export class Permission {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'PK_permissions' })
  organizationId!: string;

  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_permissions' })
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @Column({ name: 'signing_policy_id', type: 'uuid', nullable: true })
  signingPolicyId!: string | null;

  @Column({ type: 'enum', enum: PERMISSION_KINDS, enumName: 'permission_kind' })
  permission!: PermissionKind;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_permissions_project',
    },
    { name: 'project_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_permissions_project' },
  ])
  project?: Relation<Project>;

  @ManyToOne(() => SigningPolicy, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_permissions_signing_policy',
    },
    {
      name: 'project_id',
      referencedColumnName: 'projectId',
      foreignKeyConstraintName: 'FK_permissions_signing_policy',
    },
    {
      name: 'signing_policy_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'FK_permissions_signing_policy',
    },
  ])
  signingPolicy?: Relation<SigningPolicy>;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_permissions_user',
    },
    { name: 'user_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_permissions_user' },
  ])
  user?: Relation<User>;

  @ManyToOne(() => Group, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_permissions_group',
    },
    { name: 'group_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_permissions_group' },
  ])
  group?: Relation<Group>;
}
