#!/usr/bin/env python3
"""kamgovd with mutual TLS and the kamgov CLI's --cacert/--cert/--key, end to
end: certificates from deploy/make-certs.sh, the shipped policy, a command
recorded under the certificate's principal, a dashboard refused, a client
without a certificate refused, and the loud development-mode warning.

usage: security_cli_test.py SOURCE_DIR KAMGOVD KAMGOV
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

source, kamgovd, kamgov = sys.argv[1], sys.argv[2], sys.argv[3]
policy = os.path.join(source, "deploy", "authz.example.ini")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


servers = []


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        for server in servers:  # ctest would wait for them forever
            if server.poll() is None:
                server.kill()
        sys.exit(1)
    print("ok:", what)


def stop(server):
    server.send_signal(signal.SIGTERM)
    _, stderr = server.communicate(timeout=30)
    return server.returncode, stderr


with tempfile.TemporaryDirectory() as tmp:
    certs = os.path.join(tmp, "certs")
    subprocess.run(["bash", os.path.join(source, "deploy", "make-certs.sh"), certs],
                   check=True, capture_output=True, timeout=120)
    tls = [f"--tls_cert={certs}/server.pem", f"--tls_key={certs}/server.key",
           f"--tls_client_ca={certs}/ca.pem"]

    refused = subprocess.run([kamgovd, "--listen=127.0.0.1:0", f"--data_dir={tmp}/d0",
                              "--metrics_listen="] + tls,
                             capture_output=True, text=True, timeout=60)
    check(refused.returncode != 0 and "--authz_policy" in refused.stderr,
          "TLS without a policy refuses to start: " + refused.stderr.strip()[-120:])

    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen([kamgovd, f"--listen={address}", f"--data_dir={tmp}/d1",
                               "--metrics_listen=", f"--authz_policy={policy}"] + tls,
                              stderr=subprocess.PIPE, text=True)
    servers.append(server)

    def cli(client, *args):
        identity = [f"--cacert={certs}/ca.pem"]
        if client:
            identity += [f"--cert={certs}/client-{client}.pem",
                         f"--key={certs}/client-{client}.key"]
        return subprocess.run([kamgov, f"--server={address}"] + identity + list(args),
                              capture_output=True, text=True, timeout=60)

    for _ in range(100):
        health = cli("admin", "--output=json", "health")
        if health.returncode == 0:
            break
        time.sleep(0.1)
    check(health.returncode == 0 and json.loads(health.stdout)["status"] == "SERVING",
          "kamgov health over mutual TLS")

    register = ["exec", "RegisterPerson", "--as=ada", "--rationale=bootstrap",
                '--json={"person_id": "ada", "name": "Ada Lind", "unit_id": "board", '
                '"country": "FI", "roles": [{"role": "GOVERNANCE_ROLE_SENIOR_MANAGEMENT"}]}']
    denied = cli("dashboard", *register)
    check(denied.returncode != 0 and "PERMISSION_DENIED" in denied.stderr,
          "a dashboard may not issue commands: " + denied.stderr.strip()[:160])
    anonymous = cli(None, *register)
    check(anonymous.returncode != 0 and "UNAVAILABLE" in anonymous.stderr,
          "no client certificate: the handshake fails: " + anonymous.stderr.strip()[:160])
    recorded = cli("crm", "--principal=spiffe://kamgov/svc/admin", *register)
    check(recorded.returncode == 0 and "recorded at position 1" in recorded.stdout,
          "a command service's command is recorded: " + recorded.stdout.strip())

    tail = cli("admin", "--output=json", "tail", "--from=start", "--follow=false")
    check(tail.returncode == 0, "kamgov tail over mutual TLS")
    lines = [json.loads(line) for line in tail.stdout.splitlines() if line.startswith("{")]
    events = [line for line in lines if "record" in line]
    check(len(events) == 1, f"one event in the log ({len(events)})")
    record = events[0]["record"]
    check(record["principal"] == "spiffe://kamgov/svc/crm",
          "the recorded principal is the certificate's, not --principal's: "
          + record["principal"])
    check(record["acting_person"] == "ada", "the acting person is recorded too")

    code, stderr = stop(server)
    check(code == 0, "kamgovd with TLS exits 0 on SIGTERM")
    check("mutual TLS" in stderr, "kamgovd logs that it serves mutual TLS")

    dev_address = f"127.0.0.1:{free_port()}"
    dev = subprocess.Popen([kamgovd, f"--listen={dev_address}", f"--data_dir={tmp}/d2",
                            "--metrics_listen="], stderr=subprocess.PIPE, text=True)
    servers.append(dev)
    for _ in range(100):
        up = subprocess.run([kamgov, f"--server={dev_address}", "health"],
                            capture_output=True, text=True, timeout=60)
        if up.returncode == 0:
            break
        time.sleep(0.1)
    code, stderr = stop(dev)
    check(code == 0 and "INSECURE development mode" in stderr,
          "development mode is logged loudly as insecure")
