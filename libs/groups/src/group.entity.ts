import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';
import { Organization } from '#organizations';

/** A group of users; those Entra creates are synchronized and read-only outside SCIM. */
@Entity({ name: 'groups' })
@Index('UQ_groups_organization_lower_display_name', { synchronize: false })
@Index('IX_groups_organization_external_id', { synchronize: false })
export class Group {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'PK_groups' })
  organizationId!: string;

  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_groups' })
  id!: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'FK_groups_organization' })
  organization?: Relation<Organization>;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'is_directory_synchronized', type: 'boolean', default: false })
  isDirectorySynchronized!: boolean;

  @Column({ name: 'scim_attributes', type: 'jsonb', default: () => "'{}'" })
  scimAttributes!: Record<string, unknown>;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
