import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app.config.js';

describe('loadConfig', () => {
  it('applies defaults: embedded database, port 3000 on loopback', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      port: 3000,
      managementPort: 9464,
      host: '127.0.0.1',
      migrateOnStart: true,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/scim',
      PORT: '8080',
      MANAGEMENT_PORT: '0',
      HOST: '0.0.0.0',
      PUBLIC_BASE_URL: 'https://scim.example.com/',
      BOOTSTRAP_DEMO_ORGANIZATION: 'false',
      SCIM_MAX_PAGE_SIZE: '500',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://u:p@db:5432/scim',
      port: 8080,
      managementPort: 0,
      host: '0.0.0.0',
      publicBaseUrl: 'https://scim.example.com',
      bootstrapDemoOrganization: false,
      scimMaxPageSize: 500,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT must be a whole number \(got "eighty"\)$/],
    // The URL carries the password: the message names the variable, never its value.
    [
      { DATABASE_URL: 'postgress://app:S3cretPw@db:5432/scim' },
      /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    ],
    [{ PORT: '70000' }, /^PORT must be at most 65535/],
    [{ MANAGEMENT_PORT: '-1' }, /^MANAGEMENT_PORT must be at least 0/],
    [{ DATABASE_URL: 'http://db' }, /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL /],
    [{ MIGRATE_ON_START: 'maybe' }, /^MIGRATE_ON_START must be true or false/],
    [
      { SCIM_DEFAULT_PAGE_SIZE: '50', SCIM_MAX_PAGE_SIZE: '10' },
      /SCIM_DEFAULT_PAGE_SIZE must not exceed SCIM_MAX_PAGE_SIZE/,
    ],
  ])('rejects %j with a message naming the variable', (env, message) => {
    try {
      loadConfig(env);
      expect.unreachable('loadConfig accepted a bad value');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(1);
      expect((error as ConfigError).problems[0]).toMatch(message);
    }
  });
});
