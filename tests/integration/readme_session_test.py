#!/usr/bin/env python3
"""Runs the README's example session against a fresh kamgovd and checks that
every command prints what the README shows (timestamps aside).

usage: readme_session_test.py README KAMGOVD KAMGOV
"""
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

readme, kamgovd, kamgov = sys.argv[1:4]
text = open(readme).read()
block = text.split("<!-- session:start")[1].split("<!-- session:end -->")[0]
block = block.split("```console\n")[1].split("```")[0]

# [command, expected output lines]: a command continues while it ends in a
# backslash or has an unclosed single quote.
steps = []
open_command = False
for line in block.splitlines():
    if open_command:
        steps[-1][0] += "\n" + line
    elif line.startswith("$ "):
        steps.append([line[2:], []])
    else:
        steps[-1][1].append(line)
        continue
    command = steps[-1][0]
    open_command = command.endswith("\\") or command.count("'") % 2 == 1

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")


def normalize(lines):
    return [DATE.sub("<date>", TIME.sub("<time>", l.rstrip())) for l in lines]


with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
address = f"127.0.0.1:{port}"
failures = 0
with tempfile.TemporaryDirectory() as data:
    server = subprocess.Popen([kamgovd, f"--listen={address}", f"--data_dir={data}"],
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run([kamgov, f"--server={address}", "health"],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        prelude = f'kamgov() {{ "{kamgov}" --server={address} "$@"; }}\n'
        for command, expected in steps:
            run = subprocess.run(["bash", "-c", prelude + command], capture_output=True,
                                 text=True, timeout=60)
            got = normalize((run.stdout + run.stderr).splitlines())
            want = normalize(line.replace("127.0.0.1:50051", address) for line in expected)
            if sorted(got) != sorted(want):
                failures += 1
                print(f"FAIL: $ {command}\n  want: {want}\n  got:  {got}")
            else:
                print(f"ok: $ {command.splitlines()[0]}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
print(f"{len(steps) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
