import { randomUUID } from 'node:crypto';

/**
 * Tags requests with fresh X-Request-Ids and remembers them, for checks that count each request's
 * audit rows (expectNothingCommitted):
 *
 *   const tag = requestTagger();
 *   await tag(dry.post('/Users', body));
 *   return tag.ids;
 */
export function requestTagger() {
  const ids: string[] = [];
  const tag = <R extends { set(name: string, value: string): R }>(request: R): R => {
    const id = `req-${randomUUID()}`;
    ids.push(id);
    return request.set('X-Request-Id', id);
  };
  return Object.assign(tag, { ids });
}
