import {
  Check,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from 'typeorm';
import { Group } from './group.entity.js';

/**
 * A group inside a (manual) group. Kept apart from group_members, which holds users only and is
 * what SCIM reads and writes: Entra never provisions nested groups, so SCIM never sees these rows.
 * Permissions resolve through them (effective permissions). The table can hold no cycle: inserts
 * check for one under a per-organization lock (management-groups.repository.ts).
 */
@Entity({ name: 'group_nested_groups' })
@Check('CHK_group_nested_groups_not_self', `parent_group_id <> child_group_id`)
@Index('IX_group_nested_groups_child', ['organizationId', 'childGroupId'])
export class GroupNestedGroup {
  @PrimaryColumn({
    name: 'organization_id',
    type: 'uuid',
    primaryKeyConstraintName: 'PK_group_nested_groups',
  })
  organizationId!: string;

  @PrimaryColumn({
    name: 'parent_group_id',
    type: 'uuid',
    primaryKeyConstraintName: 'PK_group_nested_groups',
  })
  parentGroupId!: string;

  @PrimaryColumn({ name: 'child_group_id', type: 'uuid', primaryKeyConstraintName: 'PK_group_nested_groups' })
  childGroupId!: string;

  @ManyToOne(() => Group, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_group_nested_groups_parent',
    },
    {
      name: 'parent_group_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'FK_group_nested_groups_parent',
    },
  ])
  parent?: Relation<Group>;

  @ManyToOne(() => Group, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_group_nested_groups_child',
    },
    {
      name: 'child_group_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'FK_group_nested_groups_child',
    },
  ])
  child?: Relation<Group>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
