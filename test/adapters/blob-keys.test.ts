import { mkdir, readdir, symlink, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalBlobStore } from '../../src/adapters/blob/local-store.js';
import { validateBlobKey } from '../../src/adapters/blob/blob-key.js';
import type { BlobStore } from '../../src/adapters/blob/types.js';
import { HOSTILE_BLOB_KEYS } from '../../src/testing/blob-suite.js';
import { tempDir } from '../helpers/services.js';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

describe('local blob store: hostile keys', () => {
  let sandbox: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  let outside: string;
  let store: BlobStore;

  beforeEach(async () => {
    sandbox = await tempDir('mlops-keys-');
    root = join(sandbox.path, 'root');
    outside = join(sandbox.path, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    store = await openLocalBlobStore({ root });
  });

  afterEach(async () => {
    await store.close();
    await sandbox.remove();
  });

  it(`refuses ${HOSTILE_BLOB_KEYS.length} hostile keys on every operation and writes nothing anywhere`, async () => {
    expect(HOSTILE_BLOB_KEYS.length).toBeGreaterThanOrEqual(20);
    for (const key of HOSTILE_BLOB_KEYS) {
      expect(() => validateBlobKey(key), JSON.stringify(key)).toThrow(/Invalid key/);
      for (const op of [
        () => store.put(key, 'pwned'),
        () => store.get(key),
        () => store.getStream(key),
        () => store.head(key),
        () => store.delete(key),
      ]) {
        await expect(op(), JSON.stringify(key)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
    }
    const files = await walk(sandbox.path);
    expect(files.filter((f) => !f.includes('.mlops-tmp')).sort()).toEqual([join(outside, 'secret.txt')]);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('refuses keys that lead out of the root through a symbolic link', async () => {
    await symlink(outside, join(root, 'linkdir'));
    await symlink(join(outside, 'secret.txt'), join(root, 'linkfile'));
    await expect(store.put('linkdir/new.txt', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.get('linkdir/secret.txt')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.put('linkfile', 'overwrite')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.get('linkfile')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.delete('linkfile')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect((await store.list('')).entries).toEqual([]);
  });

  it('refuses to list through a symbolic link that leads out of the root', async () => {
    await mkdir(join(root, 'exp', 'run'), { recursive: true });
    await symlink(outside, join(root, 'exp', 'run', 'link'));
    await expect(store.list('exp/run/link/')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.list('exp/run/link/sec')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // A listing from above the link skips it, as it always did.
    expect((await store.list('exp/')).entries).toEqual([]);
  });

  it('reserves the store’s own folder names', async () => {
    await expect(store.put('.mlops-tmp/x', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('accepts ordinary keys with dots, spaces and Unicode', async () => {
    for (const key of ['a.b/c..d', 'model v2.onnx', 'données/é.txt', '.hidden', 'x/...y', 'a-b_c~d']) {
      await store.put(key, key);
      expect(Buffer.from(await store.get(key)).toString()).toBe(key);
    }
  });

  it('refuses a key whose parent is a file, and a key naming a folder', async () => {
    await store.put('file', 'x');
    await expect(store.put('file/child', 'y')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await store.put('folder/child', 'y');
    await expect(store.put('folder', 'z')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await expect(store.get('folder')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
