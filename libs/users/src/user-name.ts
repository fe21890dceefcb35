/**
 * How a userName is prepared before it is stored, compared or checked for uniqueness, after
 * RFC 8265's UsernameCaseMapped profile (case is kept: matching is case-insensitive anyway):
 * fullwidth forms mapped to their ASCII equivalents (Ａlice -> Alice, as IMEs type them), Unicode
 * NFC (an "é" typed as e + U+0301 is the same name as the precomposed one), and surrounding white
 * space removed (a pasted trailing blank is not a different person). Without it such variants
 * became distinct users.
 */
export function normalizeUserName(value: string): string {
  return value
    .replace(/[\uFF01-\uFF5E]/g, (char) => String.fromCharCode(char.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .normalize('NFC')
    .trim();
}
