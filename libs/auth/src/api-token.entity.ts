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
} from 'typeorm';
import { User } from '#users';

/**
 * Only a hash of the secret is stored. The public prefix is the lookup key, so authentication is
 * one indexed read followed by a constant-time comparison of the hashes.
 */
@Entity({ name: 'api_tokens' })
export class ApiToken {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'PK_api_tokens' })
  organizationId!: string;

  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_api_tokens' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'organization_id',
      referencedColumnName: 'organizationId',
      foreignKeyConstraintName: 'FK_api_tokens_user',
    },
    { name: 'user_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_api_tokens_user' },
  ])
  user?: Relation<User>;

  @Column({ type: 'text' })
  name!: string;

  @Index('UQ_api_tokens_prefix', { unique: true })
  @Column({ type: 'text' })
  prefix!: string;

  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
