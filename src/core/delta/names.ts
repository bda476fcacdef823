/**
 * Names Fabric or Delta refuse. Fabric shows the table folder name as the
 * table name and rejects these characters in it; Delta without column mapping
 * (which reader 1 / writer 2 tables cannot use) refuses these in column names.
 */
export const FABRIC_FORBIDDEN_TABLE_CHARACTERS = ['"', "'", '#', '%', '+', ':', '?', '`', '/', '\\'] as const;
export const DELTA_FORBIDDEN_COLUMN_CHARACTERS = [' ', ',', ';', '{', '}', '(', ')', '\n', '\t', '='] as const;

/** Why Fabric would reject `name` as a table (folder) or schema name; undefined when it is fine. */
export function tableNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'is empty';
  if (name !== name.trim()) return 'starts or ends with whitespace';
  if (name.endsWith('.')) return 'ends with a dot';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains control characters';
  const bad = FABRIC_FORBIDDEN_TABLE_CHARACTERS.filter((c) => name.includes(c));
  return bad.length ? `contains ${bad.map(show).join(' ')}` : undefined;
}

/** Why Delta (without column mapping) would reject `name` as a column name; undefined when it is fine. */
export function columnNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  const bad = DELTA_FORBIDDEN_COLUMN_CHARACTERS.filter((c) => name.includes(c));
  if (bad.length) return `contains ${bad.map(show).join(' ')}`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains control characters';
  return undefined;
}

/** Names in one struct that collide ignoring case (Delta requires them unique regardless of case). */
export function caseInsensitiveDuplicates(names: readonly string[]): string[] {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const name of names) {
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) duplicates.push(`${first}/${name}`);
    else seen.set(key, name);
  }
  return duplicates;
}

function show(char: string): string {
  if (char === ' ') return 'a space';
  if (char === '\n') return 'a newline';
  if (char === '\t') return 'a tab';
  return `'${char}'`;
}
