#!/usr/bin/env bash
# Makes a local certificate authority with a server certificate and client
# certificates, for trying kamgovd with TLS and mutual TLS (docs/security.md).
# Needs only the openssl command-line tool. NOT for production: the CA key
# sits next to the certificates it signs.
#
#   deploy/make-certs.sh [options] OUT_DIR [CLIENT ...]
#
# Writes into OUT_DIR (created if missing):
#   ca.pem, ca.key                the CA (reused if OUT_DIR already has one)
#   server.pem, server.key        SANs DNS:localhost, IP:127.0.0.1, IP:::1
#                                 (plus --server-san ...)
#   client-NAME.pem, .key         for each CLIENT (default: crm dashboard
#                                 auditor admin): URI SAN PREFIX NAME
#                                 (default prefix spiffe://kamgov/svc/) and
#                                 CN NAME
# Options:
#   --ca-name NAME      the CA's common name (default "kamgov local CA")
#   --days N            validity in days (default 825)
#   --uri-prefix P      client URI SAN prefix (default spiffe://kamgov/svc/)
#   --server-san SAN    an extra server SAN, e.g. DNS:kamgov.example.com
#                       (repeatable)
# Keys are EC P-256, mode 0600. Prints the files written.
set -euo pipefail

ca_name="kamgov local CA"
days=825
uri_prefix="spiffe://kamgov/svc/"
server_sans="DNS:localhost,IP:127.0.0.1,IP:::1"

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --ca-name) ca_name="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --uri-prefix) uri_prefix="$2"; shift 2 ;;
    --server-san) server_sans="${server_sans},$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    -*) echo "make-certs: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || usage
out="$1"; shift
clients=("$@")
[[ ${#clients[@]} -gt 0 ]] || clients=(crm dashboard auditor admin)

command -v openssl >/dev/null || {
  echo "make-certs: the openssl command is missing (apt-get install openssl)" >&2
  exit 1
}
for name in "${clients[@]}"; do
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || {
    echo "make-certs: client name '$name' must be [A-Za-z0-9._-]+" >&2
    exit 2
  }
done

mkdir -p "$out"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 16)"; }

# sign KEY SUBJECT EXTENSIONS OUT_PEM: a leaf certificate signed by the CA.
sign() {
  local key="$1" subject="$2" extensions="$3" pem="$4"
  openssl req -new -key "$key" -subj "$subject" -out "$tmp/req.csr"
  printf '%s\n' "$extensions" >"$tmp/ext.cnf"
  openssl x509 -req -in "$tmp/req.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -set_serial "$(serial)" -days "$days" -sha256 -extfile "$tmp/ext.cnf" \
    -out "$pem" 2>/dev/null
}

if [[ ! -f "$out/ca.pem" || ! -f "$out/ca.key" ]]; then
  new_key "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -subj "/CN=${ca_name}" \
    -days "$days" -sha256 -set_serial "$(serial)" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.pem"
  echo "$out/ca.pem"
fi

new_key "$out/server.key"
sign "$out/server.key" "/CN=kamgovd" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=${server_sans}" "$out/server.pem"
echo "$out/server.pem"

for name in "${clients[@]}"; do
  new_key "$out/client-$name.key"
  sign "$out/client-$name.key" "/CN=${name}" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=URI:${uri_prefix}${name}" "$out/client-$name.pem"
  echo "$out/client-$name.pem"
done
chmod 600 "$out"/*.key
chmod 644 "$out"/*.pem
