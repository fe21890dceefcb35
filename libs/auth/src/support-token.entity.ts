import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Credentials of the operator's support staff for the audit API. Not tenant data (support reads
 * every organization), hence no organization_id. As with API tokens, only the secret's hash is kept.
 */
@Entity({ name: 'support_tokens' })
export class SupportToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_support_tokens' })
  id!: string;

  /** Who holds it, e.g. "jane@operator.example". */
  @Column({ type: 'text' })
  name!: string;

  @Index('UQ_support_tokens_prefix', { unique: true })
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
