#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal of a given size (its controlling terminal,
stdout and stderr), with stdin a pipe the script controls, and follows steps:
  {"wait": REGEX}      until the terminal output matches (searched in all output so far)
  {"signal": "SIGINT"} sends a signal to the process
  {"tty": TEXT}        types TEXT on the terminal
  {"stdin": TEXT}, {"stdin_file": PATH}  writes to stdin;  {"close_stdin": true} closes it
Prints one JSON line: {"rc": exit status (negative: killed by that signal),
"output": the terminal output (latin-1), "overflow": more than `max_output` bytes,
"timed_out": a step or the exit took longer than `timeout` seconds}.
Used by test/cli/tty.test.ts (issue 10 items 8 and 12); needs nothing beyond python3."""
import fcntl, json, os, pty, re, select, signal, struct, subprocess, sys, termios, time

spec = json.loads(sys.argv[1])
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', spec['rows'], spec['cols'], 0, 0))


def new_session():
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)


# "stdin_tty": stdin is the terminal too (the interactive case); otherwise a pipe.
p = subprocess.Popen(spec['cmd'], stdin=slave if spec.get('stdin_tty') else subprocess.PIPE, stdout=slave, stderr=slave, cwd=spec.get('cwd'),
                     env=spec.get('env'), preexec_fn=new_session, close_fds=True)
os.close(slave)
out = bytearray()
deadline = time.time() + spec.get('timeout', 60)
limit = spec.get('max_output', 1 << 20)
result = {'overflow': False, 'timed_out': False}


def pump(wait):
    """Reads what the terminal has; False once it is closed."""
    r, _, _ = select.select([master], [], [], wait)
    if not r:
        return True
    try:
        data = os.read(master, 65536)
    except OSError:
        return False
    out.extend(data)
    if len(out) > limit:
        result['overflow'] = True
    return bool(data)


alive = True
for step in spec.get('steps', []):
    if result['overflow'] or result['timed_out']:
        break
    if 'wait' in step:
        pattern = re.compile(step['wait'].encode())
        while alive and not pattern.search(out) and not result['overflow']:
            if time.time() > deadline:
                result['timed_out'] = True
                break
            alive = pump(0.05)
    elif 'signal' in step:
        p.send_signal(getattr(signal, step['signal']))
    elif 'tty' in step:
        os.write(master, step['tty'].encode())
    elif 'stdin_file' in step:
        with open(step['stdin_file'], 'rb') as f:
            p.stdin.write(f.read())
        p.stdin.flush()
    elif 'stdin' in step:
        p.stdin.write(step['stdin'].encode('latin-1'))
        p.stdin.flush()
    elif step.get('close_stdin'):
        p.stdin.close()

while alive and p.poll() is None and not result['overflow'] and not result['timed_out']:
    if time.time() > deadline:
        result['timed_out'] = True
        break
    alive = pump(0.05)
while alive and not result['overflow'] and pump(0.1) and select.select([master], [], [], 0)[0]:
    pass
if p.poll() is None:
    p.kill()
result['rc'] = p.wait()
result['output'] = out[:limit + 1].decode('latin-1')
print(json.dumps(result))
