/** A page of a name-filtered list, as the management API pages its collections. */
export interface ListWindow {
  /** Case-insensitive substring of the name. */
  name?: string;
  limit: number;
  offset: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** `%` and `_` typed by a user are meant literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
