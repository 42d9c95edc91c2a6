// Finding session hosts by what they are, not by who their parent is: a host whose adapter
// died is re-parented, so "children of the adapter" would miss exactly the orphans. Every
// process a suite starts inherits a tag in its environment (DebugClient spawns the adapter
// with this process's env, and the adapter forks hosts with its own), so a scan of /proc
// finds this suite's hosts and never another test's running in parallel.
import * as fs from 'node:fs';

const TAG_VAR = 'PLUMB_FAULT_TAG';

/** Tags every process started from now on; returns the tag. */
export function tagChildProcesses(name: string): string {
  const tag = `${name}-${process.pid}-${Date.now()}`;
  process.env[TAG_VAR] = tag;
  return tag;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

/** Live (not zombie) session-host processes carrying the tag. */
export function taggedHosts(tag: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    if (!read(`/proc/${e}/cmdline`).includes('session-host')) continue;
    if (!read(`/proc/${e}/environ`).split('\0').includes(`${TAG_VAR}=${tag}`)) continue;
    if (/\) Z /.test(read(`/proc/${e}/stat`))) continue;
    out.push(Number(e));
  }
  return out;
}

/** Resident set size in KB and open file descriptors of a process, from /proc. */
export function processFigures(pid: number): { rssKb: number; fds: number } {
  const status = read(`/proc/${pid}/status`);
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for process ${pid} (is it running?)`);
  return { rssKb: Number(m[1]), fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}
