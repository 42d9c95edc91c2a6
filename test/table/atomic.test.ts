import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../runtime/fs/atomic';
import { tempDir } from './helpers';

test('writeFileAtomic writes new content and leaves no temp file behind', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = path.join(dir, 'out.txt');
    await writeFileAtomic(f, 'first');
    await writeFileAtomic(f, new Uint8Array([104, 105]));
    assert.equal(fs.readFileSync(f, 'utf8'), 'hi');
    writeFileAtomicSync(f, 'sync');
    assert.equal(fs.readFileSync(f, 'utf8'), 'sync');
    assert.deepEqual(fs.readdirSync(dir), ['out.txt']);
  } finally {
    cleanup();
  }
});

test('a failed write leaves the existing file untouched and removes the temp file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // Renaming a file over a non-empty directory fails after the temp file was written.
    const target = path.join(dir, 'occupied');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.txt'), 'keep');
    await assert.rejects(writeFileAtomic(target, 'new data'));
    assert.throws(() => writeFileAtomicSync(target, 'new data'));
    assert.equal(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8'), 'keep');
    assert.deepEqual(fs.readdirSync(dir), ['occupied']);
    // A missing parent folder fails before anything is created.
    await assert.rejects(writeFileAtomic(path.join(dir, 'nope', 'x.txt'), 'x'), /ENOENT/);
  } finally {
    cleanup();
  }
});
