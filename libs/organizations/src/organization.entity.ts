import { Column, PrimaryGeneratedColumn, CreateDateColumn, Entity } from 'typeorm';

@Entity({ name: 'organizations' })
export class Organization {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_organizations' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Prefix of every user identity in this organization: `<ssoIdentifier>:<objectId>`. */
  @Column({ name: 'sso_identifier', type: 'text' })
  ssoIdentifier!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
