#!/usr/bin/env python3
"""The auditor's walk-through of docs/audit.md, end to end with the binaries:
kamgovd in development mode, decisions through `kamgov exec`, then
`kamgov history`, `as-of`, `chain-head`, `verify` and `export`, and the
export checked offline by cmd/verify_chain.py (pinned to the chain head),
pristine and tampered.

usage: audit_cli_test.py SOURCE_DIR KAMGOVD KAMGOV
"""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

source, kamgovd, kamgov = sys.argv[1], sys.argv[2], sys.argv[3]
verifier = os.path.join(source, "cmd", "verify_chain.py")
servers = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        for server in servers:
            if server.poll() is None:
                server.kill()
        sys.exit(1)
    print("ok:", what)


with tempfile.TemporaryDirectory() as tmp:
    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen([kamgovd, f"--listen={address}", f"--data_dir={tmp}/d",
                               "--metrics_listen="], stderr=subprocess.PIPE, text=True)
    servers.append(server)

    def cli(*args):
        return subprocess.run([kamgov, f"--server={address}"] + list(args),
                              capture_output=True, text=True, timeout=60)

    for _ in range(100):
        if cli("health").returncode == 0:
            break
        time.sleep(0.1)

    def person(pid, rationale, role):
        return cli("exec", "RegisterPerson", "--as=ada", f"--rationale={rationale}",
                   f'--json={{"person_id": "{pid}", "name": "{pid.title()}", '
                   f'"unit_id": "board", "country": "FI", "roles": [{{"role": "{role}"}}]}}')

    check(person("ada", "bootstrap", "GOVERNANCE_ROLE_SENIOR_MANAGEMENT").returncode == 0,
          "bootstrap registered")
    check(person("ida", "needs an auditor", "GOVERNANCE_ROLE_AUDITOR").returncode == 0,
          "auditor registered")

    head = cli("--output=json", "chain-head")
    check(head.returncode == 0, "chain-head: " + head.stderr)
    pinned = json.loads(head.stdout)
    check(pinned["position"] == 2 and len(pinned["hash"]) == 64, f"chain head {pinned}")

    history = cli("--output=json", "history", "--by=ada")
    entries = [json.loads(line) for line in history.stdout.splitlines()]
    check(history.returncode == 0 and [e["position"] for e in entries] == ["1", "2"],
          "history --by=ada lists both decisions")
    check(entries[1]["rationale"] == "needs an auditor"
          and entries[1]["payload"]["@type"] == "type.googleapis.com/kamgov.v1.PersonRegistered"
          and entries[1]["payload"]["person_id"] == "ida",
          "an entry has the rationale and the typed payload")
    table = cli("history", "--person=ida")
    check(table.returncode == 0 and "PersonRegistered" in table.stdout
          and "needs an auditor" in table.stdout, "history as a table")

    asof = cli("--output=json", "as-of", "--person=ada", "--position=1")
    state = json.loads(asof.stdout)
    check(asof.returncode == 0 and state["position"] == "1"
          and state["person"]["person_id"] == "ada", "as-of --position")
    missing = cli("as-of", "--person=ida", "--position=1")
    check(missing.returncode != 0 and "NOT_FOUND" in missing.stderr,
          "as-of before the person existed: NOT_FOUND")
    at = cli("--output=json", "as-of", "--person=ida", "--at=2999-01-01T00:00:00Z")
    check(at.returncode == 0 and json.loads(at.stdout)["position"] == "2", "as-of --at")

    verify = cli("verify")
    check(verify.returncode == 0 and verify.stdout.startswith("OK 2 events"), "verify")

    export = cli("export", "--format=jsonl")
    check(export.returncode == 0 and len(export.stdout.splitlines()) == 2, "export")
    dump = os.path.join(tmp, "dump.jsonl")
    with open(dump, "w") as f:
        f.write(export.stdout)
    ok = subprocess.run([sys.executable, verifier, dump,
                         f"--head={pinned['position']}:{pinned['hash']}"],
                        capture_output=True, text=True)
    check(ok.returncode == 0 and ok.stdout.startswith("OK 2 events"),
          "the export verifies offline against the pinned head: " + ok.stdout)

    lines = export.stdout.splitlines()
    second = json.loads(lines[1])
    record = bytearray(base64.b64decode(second["record"]))
    record[len(record) // 2] ^= 1
    second["record"] = base64.b64encode(bytes(record)).decode()
    with open(dump, "w") as f:
        f.write(lines[0] + "\n" + json.dumps(second) + "\n")
    bad = subprocess.run([sys.executable, verifier, dump], capture_output=True, text=True)
    check(bad.returncode == 1 and "BAD position 2" in bad.stdout,
          "a tampered export fails offline, naming the position: " + bad.stdout.strip())

    csv = cli("export", "--format=csv", "--from=2")
    check(csv.returncode == 0 and csv.stdout.splitlines()[0].startswith("position,prev_hash")
          and len(csv.stdout.splitlines()) == 2, "export --format=csv --from=2")

    server.send_signal(signal.SIGTERM)
    server.communicate(timeout=30)
    check(server.returncode == 0, "kamgovd exits 0")
