// A first search from JavaScript (Node.js 18+), with sm-crypto and fetch only.
//
//   npm install sm-crypto@0.3.13
//   export YSJ_BASE_URL=http://127.0.0.1:8000            # the hub (or <node>/ysj with the region's key)
//   export YSJ_HUB_PUBLIC_KEY=04...                       # printed by `make demo`
//   export YSJ_APP_ID=app-sh-counter YSJ_APP_SECRET=... YSJ_CORP_NAME=... YSJ_CORP_CODE=...
//   export YSJ_KEY_FILE=var/keys/apps/app-sh-counter.key  # the application's SM2 private key
//   export YSJ_HOLDER_ID_NO=... YSJ_HOLDER_NAME=... YSJ_ITEM_CODE=...
//   node first-search.mjs
//
// 12.2.1 registers the application (the access token goes into every later head), 12.2.3 obtains
// the holder's trusted token, 12.1.5 searches the holder's certificates under the scenario list.
// Prints the results as JSON; exits 1 with the status and its message when a call is refused.

import { readFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import smCrypto from 'sm-crypto'

const { sm2 } = smCrypto
const C1C3C2 = 1 // GB/T 32918.4-2016 order, as 12.1.1 requires

function setting(name) {
  const value = process.env[name]
  if (!value) {
    console.error(`missing ${name}`)
    process.exit(2)
  }
  return value
}

// A key file holds the private key's hex on its first line that is not a comment.
function readKey(path) {
  const line = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'))
  return line.toLowerCase()
}

const base = setting('YSJ_BASE_URL').replace(/\/$/, '')
// sm-crypto takes the public key with its 04 and in lower case.
const hubKey = setting('YSJ_HUB_PUBLIC_KEY').toLowerCase()
const appId = setting('YSJ_APP_ID')
const privateKey = readKey(setting('YSJ_KEY_FILE'))

class Refused extends Error {}

// One section-12 call: encrypt the parameters to the hub, post the envelope, open the answer.
async function call(path, params, accessToken) {
  const head = { accountId: appId }
  if (accessToken) head.accessToken = accessToken
  // sm-crypto writes C1 without 04, in lower case: the hub reads either.
  const encryptData = sm2.doEncrypt(JSON.stringify(params), hubKey, C1C3C2)
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ head, encryptData }),
  })
  const body = await response.json()
  let data = null
  if (body.encryptData) {
    // The hub always writes C1 with its 04 prefix, in upper case; sm-crypto wants neither.
    const hex = body.encryptData.toLowerCase().replace(/^04/, '')
    const plaintext = sm2.doDecrypt(hex, privateKey, C1C3C2)
    // sm-crypto answers '' instead of raising when C3 does not match: check it.
    if (plaintext === '') throw new Error(`${path}: the answer does not decrypt (C3 mismatch)`)
    data = JSON.parse(plaintext)
  }
  // The outcome is head.status, whatever the HTTP status: "0" is success.
  if (body.head.status !== '0') throw new Refused(`${path}: ${body.head.status} ${body.head.message}`)
  return data
}

try {
  const registered = await call('/api/v1/trust/apps/register', {
    appId,
    appSecret: setting('YSJ_APP_SECRET'),
    corpName: setting('YSJ_CORP_NAME'),
    corpCode: setting('YSJ_CORP_CODE'),
  })
  const token = registered.accessToken

  const holder = await call(
    '/api/v1/trust/holder-tokens',
    {
      transactionId: randomUUID(),
      authType: '2', // the identity card was read at the counter
      idType: 1,
      idNo: setting('YSJ_HOLDER_ID_NO'),
      name: process.env.YSJ_HOLDER_NAME || '',
    },
    token,
  )

  const found = await call(
    '/api/v1/certificates/search',
    {
      trustedToken: holder.trustedToken,
      // The audit fields every call of 12.1.5-12.1.10 carries.
      useFor: '办理跨省通办业务',
      itemName: process.env.YSJ_ITEM_NAME || setting('YSJ_ITEM_CODE'),
      itemCode: setting('YSJ_ITEM_CODE'),
      itemOrg: setting('YSJ_CORP_NAME'),
      operator: process.env.YSJ_OPERATOR || '窗口工作人员',
      bizNum: `JS-${randomUUID()}`,
    },
    token,
  )
  console.log(JSON.stringify({ accessTokenExpiresAt: registered.expiresAt, holderTokenExpiresAt: holder.expiresAt, search: found }, null, 2))
} catch (error) {
  console.error(error.message)
  process.exit(error instanceof Refused ? 1 : 3)
}
