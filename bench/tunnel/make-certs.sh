#!/usr/bin/env bash
# Creates a throwaway CA and a server certificate for 127.0.0.1/localhost in the directory given.
# The server certificate carries serverAuth and clientAuth: Redis also presents it as a client
# certificate (cluster bus, replication).
set -euo pipefail
dir="${1:?usage: make-certs.sh DIR}"
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench-ca" \
    -keyout ca.key -out ca.crt >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout server.key -out server.csr >/dev/null 2>&1
cat > server.ext <<'EXT'
subjectAltName = DNS:localhost, IP:127.0.0.1
extendedKeyUsage = serverAuth, clientAuth
EXT
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.crt >/dev/null 2>&1
rm -f server.csr server.ext ca.srl
