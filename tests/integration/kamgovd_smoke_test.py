#!/usr/bin/env python3
"""Runs the real binaries: kamgovd refuses an unsafe address, serves health to
`kamgov health`, and exits 0 after flushing on SIGTERM.

usage: kamgovd_smoke_test.py KAMGOVD KAMGOV
"""
import json
import signal
import socket
import subprocess
import sys
import tempfile
import time

kamgovd, kamgov = sys.argv[1], sys.argv[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


with tempfile.TemporaryDirectory() as data:
    refused = subprocess.run([kamgovd, "--listen=0.0.0.0:0", f"--data_dir={data}"],
                             capture_output=True, text=True, timeout=30)
    check(refused.returncode != 0, "non-loopback without TLS exits non-zero")
    check("without TLS" in refused.stderr and "--insecure" in refused.stderr,
          "the refusal says why and how: " + refused.stderr.strip()[-160:])

    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen([kamgovd, f"--listen={address}", f"--data_dir={data}"],
                              stderr=subprocess.PIPE, text=True)
    health = None
    for _ in range(100):
        health = subprocess.run([kamgov, f"--server={address}", "--output=json", "health"],
                                capture_output=True, text=True, timeout=30)
        if health.returncode == 0:
            break
        time.sleep(0.1)
    check(health.returncode == 0, "kamgov health succeeds")
    check(json.loads(health.stdout) == {"server": address, "status": "SERVING"},
          "kamgov health --output=json: " + health.stdout.strip())

    server.send_signal(signal.SIGTERM)
    _, stderr = server.communicate(timeout=30)
    check(server.returncode == 0, "kamgovd exits 0 on SIGTERM")
    check("stopped cleanly" in stderr, "kamgovd logs a clean stop")

    down = subprocess.run([kamgov, f"--server={address}", "--timeout=1s", "health"],
                          capture_output=True, text=True, timeout=30)
    check(down.returncode != 0 and "UNREACHABLE" in down.stdout,
          "kamgov health reports an unreachable server")
print("1 passed, 0 failed")
