// Check the envelope's worked example (docs/examples/envelope-vector.json) with sm-crypto alone.
//
//   npm install sm-crypto@0.3.13
//   node envelope-vector.mjs ../envelope-vector.json
//
// sm-crypto reads and writes C1 without its 04 prefix, in lower case; mode 1 is C1C3C2.
// Prints {"ok": true|false, "checks": [...]} and exits 1 when a check fails.

import { readFileSync } from 'node:fs'
import smCrypto from 'sm-crypto'

const { sm2 } = smCrypto
const C1C3C2 = 1

const vector = JSON.parse(readFileSync(process.argv[2] || '../envelope-vector.json', 'utf8'))
const privateKey = vector.privateKey.toLowerCase()
const checks = []

const derived = sm2.getPublicKeyFromPrivateKey(privateKey)
checks.push({ check: 'public key from private key', ok: derived === vector.publicKey.toLowerCase() })

for (const item of vector.vectors) {
  const opened = sm2.doDecrypt(item.c1c3c2Without04.toLowerCase(), privateKey, C1C3C2)
  checks.push({ check: `${item.name}: decrypt`, ok: opened === item.plaintext })
  // The 04-prefixed form the hub sends: strip the prefix first (sm-crypto does not).
  const sent = item.c1c3c2.toLowerCase().replace(/^04/, '')
  checks.push({ check: `${item.name}: decrypt the hub's form`, ok: sm2.doDecrypt(sent, privateKey, C1C3C2) === item.plaintext })
  // A changed C3 byte: sm-crypto answers an empty string instead of raising.
  const hex = item.c1c3c2Without04.toLowerCase()
  const tampered = hex.slice(0, 128) + (hex[128] === 'a' ? 'b' : 'a') + hex.slice(129)
  checks.push({ check: `${item.name}: tampered C3 refused`, ok: sm2.doDecrypt(tampered, privateKey, C1C3C2) === '' })
}

const ok = checks.every((c) => c.ok)
console.log(JSON.stringify({ ok, checks }))
process.exit(ok ? 0 : 1)
