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
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { Project } from './project.entity.js';

/**
 * A signing policy of one project. (organization_id, project_id, id) is unique so that a
 * permission's foreign key can name its project and its signing policy together: the database
 * itself then guarantees that a policy permission's project is the policy's own.
 */
@Entity({ name: 'signing_policies' })
@Unique('UQ_signing_policies_project_id', ['organizationId', 'projectId', 'id'])
@Index('UQ_signing_policies_project_lower_name', { synchronize: false })
export class SigningPolicy {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'PK_signing_policies' })
  organizationId!: string;

  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_signing_policies' })
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_signing_policies_project',
    },
    {
      name: 'project_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'FK_signing_policies_project',
    },
  ])
  project?: Relation<Project>;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
