import type { AppConfig } from '#config';
import { startEmbeddedDatabase } from '#persistence';

export interface OpenDatabase {
  readonly url: string;
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** DATABASE_URL when given; otherwise the embedded server under EMBEDDED_POSTGRES_DIR. */
export async function openDatabase(
  config: AppConfig,
  onLog?: (message: string) => void,
): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, embedded: false, close: async () => undefined };
  }
  const server = await startEmbeddedDatabase({ dataDir: config.embeddedPostgresDir, onLog });
  return { url: server.url, embedded: true, close: () => server.stop() };
}
