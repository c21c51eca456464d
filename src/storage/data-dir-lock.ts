import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/** What the lock file of an embedded data directory says about its holder. */
export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  /** Where the holder answers admin requests (project and key creation), if it does. */
  readonly adminSocket?: string;
}

/** Thrown when another live Vigil process holds the data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Vigil process (pid ${holder.pid}, started ${holder.startedAt}). ` +
        'PGlite cannot share its files between processes: stop that process first, or talk to it through its API. ' +
        'To run several processes, use PostgreSQL (DATABASE_URL).',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Records facts about the holder (the admin socket) for other processes to read. */
  update(extra: Partial<LockInfo>): void;
  /** Removes the lock file. Safe to call twice. */
  release(): void;
}

const LOCK_NAME = 'vigil.lock';

/**
 * Takes the exclusive lock of an embedded data directory, creating the directory if
 * needed. PGlite does not lock its files, and two processes writing one directory
 * would corrupt it, so a second process is refused with {@link DataDirLockedError}.
 * A lock left by a process that no longer runs (a crash) is taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_NAME);
  let info: LockInfo = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeLockFile(file, info, 'wx');
      let released = false;
      return {
        file,
        update(extra) {
          info = { ...info, ...extra };
          writeLockFile(file, info, 'w');
        },
        release() {
          if (released) return;
          released = true;
          try {
            if (readLock(dataDir)?.pid === process.pid) unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(dataDir);
      if (holder && isAlive(holder)) throw new DataDirLockedError(dataDir, holder);
      // The holder is gone (or the file is unreadable): clear the stale lock and try once more.
      try {
        unlinkSync(file);
      } catch {
        /* someone else cleared it */
      }
    }
  }
  const holder = readLock(dataDir);
  throw new DataDirLockedError(dataDir, holder ?? { pid: 0, hostname: '?', startedAt: '?' });
}

/** The current lock holder of a data directory, or `null` when it is not locked. */
export function readLock(dataDir: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, LOCK_NAME), 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/** Whether the process that wrote a lock still runs (on this host; its own pid never counts). */
export function isAlive(info: LockInfo): boolean {
  if (info.hostname !== hostname()) return true;
  if (info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes the lock file; flag `wx` fails with EEXIST when it exists, `w` replaces it. */
function writeLockFile(file: string, info: LockInfo, flag: 'wx' | 'w'): void {
  const fd = openSync(file, flag, 0o600);
  try {
    writeSync(fd, JSON.stringify(info));
  } finally {
    closeSync(fd);
  }
}
