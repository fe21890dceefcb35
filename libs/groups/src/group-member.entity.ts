import {
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from 'typeorm';
import { User } from '#users';
import { Group } from './group.entity.js';

/** One user in one group. Membership changes are inserts and deletes of these rows, never list rewrites. */
@Entity({ name: 'group_members' })
@Index('IX_group_members_user', ['organizationId', 'userId'])
export class GroupMember {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'PK_group_members' })
  organizationId!: string;

  @PrimaryColumn({ name: 'group_id', type: 'uuid', primaryKeyConstraintName: 'PK_group_members' })
  groupId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_group_members' })
  userId!: string;

  @ManyToOne(() => Group, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_group_members_group',
    },
    { name: 'group_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_group_members_group' },
  ])
  group?: Relation<Group>;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_group_members_user',
    },
    { name: 'user_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_group_members_user' },
  ])
  user?: Relation<User>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
