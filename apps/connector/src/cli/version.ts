import { readFileSync } from 'node:fs';

/**
 * The version of package.json, found by walking up from this file: the source (tests) and the
 * build (dist/...) sit at different depths, and an image keeps package.json next to dist/.
 */
export function packageVersion(): string {
  for (let url = new URL('./package.json', import.meta.url); ;) {
    try {
      const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'directory-sync-scim-connector' && manifest.version) return manifest.version;
    } catch {
      // No package.json here (or not ours): keep climbing.
    }
    const parent = new URL('../package.json', url);
    if (parent.href === url.href) return 'unknown';
    url = parent;
  }
}
