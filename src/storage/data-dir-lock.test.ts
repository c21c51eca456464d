import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { acquireDataDirLock, DataDirLockedError, readLock } from './data-dir-lock.ts';

const freshDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'vigil-lock-')), 'data');

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

test('the lock records its holder and is released', () => {
  const dir = freshDir();
  const lock = acquireDataDirLock(dir);
  assert.equal(readLock(dir)?.pid, process.pid);
  lock.update({ adminSocket: '/x.sock' });
  assert.equal(readLock(dir)?.adminSocket, '/x.sock');
  lock.release();
  lock.release();
  assert.equal(existsSync(lock.file), false);
});

test('a lock held by a live process refuses a second holder with a clear message', () => {
  const dir = freshDir();
  const parent = process.ppid; // alive for the whole test
  acquireDataDirLock(dir).release();
  writeFileSync(path.join(dir, 'vigil.lock'), JSON.stringify({ pid: parent, hostname: hostname(), startedAt: 'then' }));
  assert.throws(
    () => acquireDataDirLock(dir),
    (e: unknown) => e instanceof DataDirLockedError && e.message.includes(`pid ${parent}`) && e.message.includes('in use'),
  );
  assert.equal(readLock(dir)?.pid, parent, 'the live holder keeps its lock');
});

test('a lock left by a dead process is taken over', () => {
  const dir = freshDir();
  acquireDataDirLock(dir).release();
  writeFileSync(path.join(dir, 'vigil.lock'), JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: 'then' }));
  const lock = acquireDataDirLock(dir);
  assert.equal(readLock(dir)?.pid, process.pid);
  lock.release();
});

test('an unreadable lock file is treated as stale', () => {
  const dir = freshDir();
  acquireDataDirLock(dir).release();
  writeFileSync(path.join(dir, 'vigil.lock'), 'not json');
  acquireDataDirLock(dir).release();
});
