import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times (USER_HZ; 100 on Linux unless getconf says otherwise). */
let hz: number | undefined;
function clockTicks(): number {
  if (hz === undefined) {
    try {
      hz = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      hz = 100;
    }
  }
  return hz;
}

/** User + system CPU seconds a process has used so far (from /proc/PID/stat), or undefined when it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces and parentheses: fields start after the last ')'
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after "pid (comm) "
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** A field of /proc/PID/status in MB (VmHWM: peak resident set size; VmRSS: now). */
export function statusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (!pid) return undefined;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
