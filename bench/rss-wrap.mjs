#!/usr/bin/env node
// Peak RSS without GNU time: `node rss-wrap.mjs OUT CMD ARGS…` runs CMD with
// this process's stdio, polls VmHWM in /proc/<pid>/status (a high-water mark,
// so the last poll before exit is close to the peak) and writes it in KiB to
// OUT, like `/usr/bin/time -f %M -o OUT`; and the CPU time (user + system, ms,
// from /proc/<pid>/stat at the last poll) to OUT.cpu.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

const [out, cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: 'inherit' });
let peak = 0;
let cpuMs = 0;

function poll() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (m) peak = Math.max(peak, Number(m[1]));
    const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    cpuMs = Math.max(cpuMs, (Number(stat[11]) + Number(stat[12])) * 10); // utime + stime, at 100 ticks/s
  } catch {
    /* exited between polls */
  }
}

const timer = setInterval(poll, 5);
child.on('exit', (code, signal) => {
  clearInterval(timer);
  fs.writeFileSync(out, `${peak}\n`);
  fs.writeFileSync(`${out}.cpu`, `${cpuMs}\n`);
  process.exitCode = code ?? (signal ? 128 : 1);
});
