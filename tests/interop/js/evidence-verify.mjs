// The hub's evidence log checked with sm-crypto alone: a checkpoint (a C2SP signed note), the
// witnesses' cosignatures (cosignature/v1) and RFC 9162 inclusion proofs, with SM3 and SM2.
//
// Reads one job as JSON on stdin and prints its results as JSON on stdout:
//
//   {
//     "note": "<the checkpoint note as GET /evidence/checkpoint serves it>",
//     "origin": "ysj.yrd/evidence",            // the log's origin, also the hub's key name
//     "hubPublicKey": "04<128 hex>",
//     "witnesses": [{"name": "sh.witness.ysj.yrd", "publicKey": "04<128 hex>"}],
//     "inclusion": [{"index": 3, "size": 11, "leaf": "<base64 leaf bytes>", "path": ["<base64>", ...]}]
//   }
//
// Output: {"origin", "size", "root" (base64), "hubSignature": true | false,
//          "cosignatures": [{"name", "timestamp" (or null when it does not verify)}],
//          "inclusion": [{"root": "<base64>" (or null when the path does not fit), "matches": true | false}]}
//
// The formats are those of docs/evidence.md: key ID = SM3(name || 0x0A || type || 04||x||y)[:4],
// types 0xFF "ysj.yrd/sm2-sm3" (note) and 0xFF "ysj.yrd/sm2-sm3/cosignature/v1" (cosignature),
// SM2 with SM3 and the default user ID over the exact bytes, raw r || s.

import smCrypto from 'sm-crypto'

const { sm2, sm3 } = smCrypto
const EM_DASH = '\u2014'
const NOTE_TYPE = [0xff, ...Buffer.from('ysj.yrd/sm2-sm3', 'ascii')]
const COSIGNATURE_TYPE = [0xff, ...Buffer.from('ysj.yrd/sm2-sm3/cosignature/v1', 'ascii')]

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

const bytes = (buffer) => Array.from(buffer)
const hash = (array) => Buffer.from(sm3(array), 'hex')
const equal = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

function keyId(name, type, publicKeyHex) {
  const data = [...Buffer.from(name, 'utf8'), 0x0a, ...type, ...Buffer.from(publicKeyHex, 'hex')]
  return hash(data).subarray(0, 4)
}

// The text up to and including the newline before the last blank line; the signature lines after it.
function openNote(text) {
  const split = text.lastIndexOf('\n\n')
  if (split < 0 || !text.endsWith('\n')) throw new Error('not a signed note')
  const body = text.slice(0, split + 1)
  const signatures = text.slice(split + 2, -1).split('\n').map((line) => {
    const [dash, name, encoded, ...rest] = line.split(' ')
    if (dash !== EM_DASH || rest.length) throw new Error(`not a signature line: ${line}`)
    return { name, payload: Buffer.from(encoded, 'base64') }
  })
  const [origin, size, root] = body.slice(0, -1).split('\n')
  return { body: Buffer.from(body, 'utf8'), origin, size: Number(size), root, signatures }
}

function verify(publicKeyHex, message, signature) {
  if (signature.length !== 64) return false
  return sm2.doVerifySignature(bytes(message), signature.toString('hex'), publicKeyHex, { der: false, hash: true })
}

function hubSignature(note, name, publicKeyHex) {
  const id = keyId(name, NOTE_TYPE, publicKeyHex)
  const lines = note.signatures.filter((s) => s.name === name && equal(s.payload.subarray(0, 4), id))
  return lines.length === 1 && verify(publicKeyHex, note.body, lines[0].payload.subarray(4))
}

function cosignature(note, name, publicKeyHex) {
  const id = keyId(name, COSIGNATURE_TYPE, publicKeyHex)
  const lines = note.signatures.filter((s) => s.name === name && equal(s.payload.subarray(0, 4), id))
  if (lines.length !== 1 || lines[0].payload.length !== 4 + 8 + 64) return null
  const timestamp = lines[0].payload.readBigUInt64BE(4)
  const message = Buffer.concat([Buffer.from(`cosignature/v1\ntime ${timestamp}\n`, 'ascii'), note.body])
  return verify(publicKeyHex, message, lines[0].payload.subarray(12)) ? Number(timestamp) : null
}

// RFC 9162 2.1.3.2, with SM3(0x00 || leaf) and SM3(0x01 || left || right).
function rootFromInclusion(index, size, leaf, path) {
  if (index >= size) return null
  let fn = BigInt(index)
  let sn = BigInt(size) - 1n
  let r = hash([0x00, ...leaf])
  for (const p of path) {
    if (sn === 0n) return null
    if ((fn & 1n) === 1n || fn === sn) {
      r = hash([0x01, ...p, ...r])
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n
        sn >>= 1n
      }
    } else {
      r = hash([0x01, ...r, ...p])
    }
    fn >>= 1n
    sn >>= 1n
  }
  return sn === 0n ? r : null
}

const job = JSON.parse(await readStdin())
const key = (hex) => hex.toLowerCase()
const note = openNote(job.note)
const result = {
  origin: note.origin,
  size: note.size,
  root: note.root,
  hubSignature: hubSignature(note, job.origin, key(job.hubPublicKey)),
  cosignatures: (job.witnesses || []).map((w) => ({ name: w.name, timestamp: cosignature(note, w.name, key(w.publicKey)) })),
  inclusion: (job.inclusion || []).map((item) => {
    const root = rootFromInclusion(
      item.index,
      item.size,
      bytes(Buffer.from(item.leaf, 'base64')),
      item.path.map((h) => bytes(Buffer.from(h, 'base64'))),
    )
    return {
      root: root ? root.toString('base64') : null,
      matches: root !== null && item.size === note.size && equal(root, Buffer.from(note.root, 'base64')),
    }
  }),
}
process.stdout.write(JSON.stringify(result))
