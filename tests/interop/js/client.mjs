// An application system written with sm-crypto alone: the envelope of 12.1.1 and 12.1.2.
//
// Reads one job as JSON on stdin and prints its results as JSON on stdout:
//
//   {
//     "hub": "http://host:port",             // the hub's base URL
//     "accountId": "...",                     // head.accountId
//     "privateKey": "<64 hex>",               // this system's SM2 private key
//     "hubPublicKey": "04<128 hex>",          // the hub's SM2 public key
//     "accessToken": "...",                   // optional: head.accessToken of every call
//     "calls": [{
//       "path": "/api/v1/...", "params": {...},
//       "base64": false,                      // Base64 the JSON before encryption
//       "encryptTo": "04...",                 // optional: encrypt to this key instead of the hub's
//       "keepAccessToken": false              // take data.accessToken for the job's later calls
//     }],
//     "verify": [                             // signatures made by the project
//       {"kind": "publication", "message": {..., "signature": "<hex r||s>"}, "publicKey": "04..."},
//       {"kind": "serviceCode", "code": "YSJSC1....", "publicKey": "04..."},
//       {"kind": "hex", "message": "text", "signature": "<hex>", "der": false, "publicKey": "04..."}
//     ],
//     "sign": [{"message": "text", "der": false}] // signatures the project is to verify
//   }
//
// Output: {"calls": [{path, httpStatus, status, message, plaintext, data, decrypted}],
//          "verified": [true | false, ...], "signed": [{message, der, signature, publicKey}]}

import smCrypto from 'sm-crypto'

const { sm2 } = smCrypto
const CIPHER_MODE_C1C3C2 = 1
const USER_ID = '1234567812345678'

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

// The hub always writes C1 with its 04 prefix; sm-crypto reads x || y only, in lower case.
function openAnswer(encryptData, privateKey) {
  let hex = encryptData.toLowerCase()
  if (hex.startsWith('04')) hex = hex.slice(2)
  return sm2.doDecrypt(hex, privateKey, CIPHER_MODE_C1C3C2)
}

async function call(job, spec, accessToken) {
  const json = JSON.stringify(spec.params)
  const text = spec.base64 ? Buffer.from(json, 'utf8').toString('base64') : json
  const to = (spec.encryptTo || job.hubPublicKey).toLowerCase()
  const head = { accountId: job.accountId }
  if (accessToken) head.accessToken = accessToken
  const body = { head, encryptData: sm2.doEncrypt(text, to, CIPHER_MODE_C1C3C2) }
  const response = await fetch(job.hub + spec.path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  })
  const raw = await response.text()
  const result = {
    path: spec.path,
    httpStatus: response.status,
    status: null,
    message: null,
    plaintext: null,
    data: null,
    decrypted: false,
  }
  let answer
  try {
    answer = JSON.parse(raw)
  } catch {
    result.message = raw.slice(0, 500)
    return result
  }
  result.status = answer.head ? answer.head.status : null
  result.message = answer.head ? answer.head.message : null
  if (answer.encryptData) {
    const plaintext = openAnswer(answer.encryptData, job.privateKey)
    // sm-crypto answers '' when C3 does not match: the answer was not for this key.
    if (plaintext !== '') {
      result.decrypted = true
      result.plaintext = plaintext
      const opened = spec.base64 ? Buffer.from(plaintext, 'base64').toString('utf8') : plaintext
      result.data = JSON.parse(opened)
    }
  }
  return result
}

// The profile's signing bytes: UTF-8 JSON of every field but signature, keys sorted, no white space.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function verifyOne(spec) {
  const publicKey = spec.publicKey.toLowerCase()
  const options = { hash: true, userId: USER_ID }
  if (spec.kind === 'publication') {
    const { signature, ...unsigned } = spec.message
    return sm2.doVerifySignature(canonical(unsigned), signature.toLowerCase(), publicKey, { ...options, der: false })
  }
  if (spec.kind === 'serviceCode') {
    // YSJSC1.<type>.<region>.<payload>.<signature>: the signature (Base64url r || s) covers the rest.
    const cut = spec.code.lastIndexOf('.')
    const signed = spec.code.slice(0, cut)
    const signature = Buffer.from(spec.code.slice(cut + 1), 'base64url')
    if (signature.length !== 64) return false
    return sm2.doVerifySignature(signed, signature.toString('hex'), publicKey, { ...options, der: false })
  }
  return sm2.doVerifySignature(spec.message, spec.signature.toLowerCase(), publicKey, {
    ...options,
    der: Boolean(spec.der),
  })
}

async function main() {
  const job = JSON.parse(await readStdin())
  let accessToken = job.accessToken || ''
  const calls = []
  for (const spec of job.calls || []) {
    const result = await call(job, spec, accessToken)
    if (spec.keepAccessToken && result.status === '0' && result.data && result.data.accessToken) {
      accessToken = result.data.accessToken
    }
    calls.push(result)
  }
  const verified = (job.verify || []).map(verifyOne)
  const publicKey = job.sign && job.sign.length ? sm2.getPublicKeyFromPrivateKey(job.privateKey) : ''
  const signed = (job.sign || []).map((spec) => ({
    message: spec.message,
    der: Boolean(spec.der),
    signature: sm2.doSignature(spec.message, job.privateKey, {
      hash: true,
      der: Boolean(spec.der),
      publicKey,
      userId: USER_ID,
    }),
    publicKey,
  }))
  process.stdout.write(JSON.stringify({ calls, verified, signed }))
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`)
  process.exit(1)
})
