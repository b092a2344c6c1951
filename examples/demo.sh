#!/usr/bin/env bash
# The notar tour: a clerk stamps the sample certificates, a citizen verifies
# one offline with the office's published key, and a tampered copy is
# rejected. Everything happens in a temporary directory.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
notar="node $here/../bin/notar.js"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NOTAR_STORE="$work/store"
export NOTAR_PASSPHRASE="demo passphrase (use a real secret!)"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi

step "1. The office creates its store and signing key (encrypted with the passphrase)"
$notar init --name registry.exampleville.example/civil | tee "$work/office.vkey"

step "2. A clerk stamps the certificates: one batch, one signed block, one receipt each"
cp "$here"/certificates/*.txt "$work/"
cd "$work"
$notar stamp ./*.txt
ls -1 ./*.notar.json

step "3. A citizen verifies their certificate offline, trusting only the published key"
$notar verify birth-certificate-0042.txt --key-file office.vkey

step "4. Someone alters the certificate: verification fails and says why"
sed 's/Ada Example/Eve Example/' birth-certificate-0042.txt > forged.txt
cp birth-certificate-0042.txt.notar.json forged.txt.notar.json
if $notar verify forged.txt --key-file office.vkey; then
  echo "UNEXPECTED: a forged certificate verified" >&2
  exit 1
else
  echo "(exit status $? — rejected, as it must be)"
fi

step "5. An independent verifier (plain Python, no notar code) agrees"
if command -v python3 >/dev/null 2>&1; then
  python3 "$here/verify_receipt.py" birth-certificate-0042.txt birth-certificate-0042.txt.notar.json --key-file office.vkey
else
  echo "(python3 not installed: skipped)"
fi

step "6. An auditor checks the whole chain against the published key"
$notar log
$notar chain verify --key-file office.vkey

step "7. The office writes the citizens' verification page (one self-contained HTML file)"
$notar verifier-page --out "$work/verify.html" --key-file office.vkey
ls -l "$work/verify.html" | awk '{print $5, "bytes:", $NF}'

step "Done: the receipt for a single document is all a citizen needs."
