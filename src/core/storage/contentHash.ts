import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Base64 MD5, the form Azure stores as Content-MD5. */
export function md5OfBytes(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}

export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}
