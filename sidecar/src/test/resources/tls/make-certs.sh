#!/bin/sh
# Makes the TEST-ONLY certificates of this directory (see README.md): run it in this directory;
# it overwrites every file it makes. Valid for 100 years, so that the tests never see them expire.
set -eu
DAYS=36500
CURVE="ec -pkeyopt ec_paramgen_curve:prime256v1"

# the CA
openssl req -x509 -new -newkey $CURVE -nodes -keyout ca-key.pem -out ca.pem -days "$DAYS" -sha256 \
  -subj "/CN=connstate test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# issue FILE CN EXTENSIONS: FILE.pem and FILE-key.pem, signed by the CA
issue() {
  openssl req -new -newkey $CURVE -nodes -keyout "$1-key.pem" -out "$1.csr" -subj "/CN=$2"
  printf '%b\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days "$DAYS" -sha256 \
    -extfile "$1.ext" -out "$1.pem"
  rm "$1.csr" "$1.ext"
}

# the server: the bridge and Redis, reached as 127.0.0.1 or localhost
issue server localhost "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost"
# bridge clients: the CN names the client (game-1 is configured in the tests, stranger is not)
issue game-1 game-1 "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
issue stranger stranger "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
rm -f ca.srl
