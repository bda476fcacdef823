import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { DeltaLogStore } from './logStore';
import { safeRelativeSegments } from './paths';

/**
 * A DeltaLogStore over a local folder (the lakehouse `Tables/` root).
 *
 * put-if-absent writes the bytes to a hidden temp file and hard-links it into
 * place: link() fails with EEXIST when the name is taken, and unlike
 * open('wx') + write, a reader can never see a half-written commit. Where
 * hard links are not supported we fall back to open('wx').
 */
export function fsDeltaLogStore(root: string): DeltaLogStore {
  const base = resolve(root);

  // Every path comes from catalog-derived folder names: keep it under root.
  const locate = (path: string): string => {
    const segments = safeRelativeSegments(path, 'store path');
    const full = resolve(base, ...segments);
    if (full !== base && !full.startsWith(base + sep)) throw new Error(`Path escapes the store root: ${path}`);
    return full;
  };

  const tempNameFor = (full: string) => join(dirname(full), `.${randomBytes(6).toString('hex')}.tmp`);

  return {
    async read(path) {
      try {
        return new Uint8Array(await readFile(locate(path)));
      } catch (error) {
        if (isCode(error, 'ENOENT')) return undefined;
        throw error;
      }
    },

    async readHead(path, bytes) {
      let handle;
      try {
        handle = await open(locate(path), 'r');
      } catch (error) {
        if (isCode(error, 'ENOENT')) return undefined;
        throw error;
      }
      try {
        const buffer = new Uint8Array(bytes);
        let filled = 0;
        while (filled < bytes) {
          const { bytesRead } = await handle.read(buffer, filled, bytes - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      } finally {
        await handle.close();
      }
    },

    async list(dir) {
      const full = dir === '' ? base : locate(dir);
      try {
        const entries = await readdir(full, { withFileTypes: true });
        return entries.filter((e) => e.isFile()).map((e) => e.name);
      } catch (error) {
        if (isCode(error, 'ENOENT')) return [];
        throw error;
      }
    },

    async putIfAbsent(path, bytes) {
      const full = locate(path);
      await mkdir(dirname(full), { recursive: true });
      const temp = tempNameFor(full);
      await writeNew(temp, bytes);
      try {
        await link(temp, full);
        return 'written';
      } catch (error) {
        if (isCode(error, 'EEXIST')) return 'exists';
        if (!isCode(error, 'EPERM') && !isCode(error, 'ENOTSUP') && !isCode(error, 'EXDEV')) throw error;
        try {
          await writeNew(full, bytes);
          return 'written';
        } catch (fallbackError) {
          if (isCode(fallbackError, 'EEXIST')) return 'exists';
          throw fallbackError;
        }
      } finally {
        await unlink(temp).catch(() => undefined);
      }
    },

    async put(path, bytes) {
      const full = locate(path);
      await mkdir(dirname(full), { recursive: true });
      const temp = tempNameFor(full);
      await writeNew(temp, bytes);
      // rename() replaces atomically: readers see the old or the new file.
      await rename(temp, full);
    },
  };
}

async function writeNew(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
