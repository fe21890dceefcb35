import {
  Column,
  PrimaryGeneratedColumn,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';
import { Organization } from '#organizations';
import { GLOBAL_ROLES, type GlobalRole } from '#roles';

export const USER_KINDS = ['interactive', 'ci'] as const;
export type UserKind = (typeof USER_KINDS)[number];

/**
 * Every tenant table leads with organization_id (primary key included) so the schema can be
 * distributed by organization. Case-insensitive uniqueness of user_name and uniqueness of
 * external_id are expression/partial indexes written by hand in the migrations.
 */
@Entity({ name: 'users' })
@Index('UQ_users_organization_lower_user_name', { synchronize: false })
@Index('UQ_users_organization_external_id', { synchronize: false })
export class User {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'PK_users' })
  organizationId!: string;

  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_users' })
  id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'FK_users_organization' })
  organization?: Relation<Organization>;

  @Column({ type: 'enum', enum: USER_KINDS, enumName: 'user_kind', default: 'interactive' })
  kind!: UserKind;

  @Column({ name: 'user_name', type: 'text' })
  userName!: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName!: string | null;

  /** The user's identity `<sso-identifier>:<objectId>`; SCIM's externalId. */
  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId!: string | null;

  @Column({
    name: 'global_role',
    type: 'enum',
    enum: GLOBAL_ROLES,
    enumName: 'global_role',
    default: 'RegularUser',
  })
  globalRole!: GlobalRole;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'is_directory_synchronized', type: 'boolean', default: false })
  isDirectorySynchronized!: boolean;

  /** The role set Entra sent (app role values); globalRole is derived from it for synchronized users. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles!: string[];

  /** Every SCIM attribute without a column of its own (name, emails, extensions, unknown ones), as sent. */
  @Column({ name: 'scim_attributes', type: 'jsonb', default: () => "'{}'" })
  scimAttributes!: Record<string, unknown>;

  /** Bumped on every change; the SCIM ETag. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Deactivated by the leave-all-synchronized-groups rule (not by Entra): joining one again reactivates. */
  @Column({ name: 'deactivated_by_membership', type: 'boolean', default: false })
  deactivatedByMembership!: boolean;

  /** Set by SCIM DELETE: gone from SCIM's view, kept (deactivated) for signing history and audit. */
  @Column({ name: 'scim_deleted_at', type: 'timestamptz', nullable: true })
  scimDeletedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
