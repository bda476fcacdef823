import { hostname, userInfo } from 'node:os';
// A named import lets esbuild inline just the version, not the whole manifest.
import { version } from '../../package.json';

export const TOOL_NAME = 'lakehouse-dev';
export const TOOL_VERSION: string = version;
export const TOOL = `${TOOL_NAME}/${TOOL_VERSION}`;

/** `user@host`, the default lease holder name. */
export function defaultHolder(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return `${user}@${hostname()}`;
}
