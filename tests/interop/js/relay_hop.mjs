// Raw circuit relay v2 hop client: makes reservations by hand and reports exactly what the relay
// answered, including the status code and the reservation voucher (which js-libp2p's own client
// does not check).
//
//   node relay_hop.mjs --relay <relay multiaddr/p2p/<id>> [--count N] [--timeout S]
//   node relay_hop.mjs --relay <relay multiaddr/p2p/<id>> --connect <peer id>
//
// Creates N fresh peers (QUIC only). Each connects to the relay and sends HopMessage{RESERVE} on
// /libp2p/circuit/relay/0.2.0/hop, one after the other; every connection stays open until all are
// done (a reservation lives as long as its connection, so later requests meet the earlier ones).
// Prints ONE JSON line:
//   {"ok":true,"results":[{"peerId","status","statusName","expire","addrs":[],"limit":{},
//     "voucher":{"present":bool,"valid":bool,"relay","peer","expiration","error"}}]}
// A voucher is opened with RecordEnvelope.openAndCertify(domain "libp2p-relay-rsvp"), its payload
// type must be 0x0302, its signer and `relay` field the relay, its `peer` field the requester.
// --connect: one fresh peer sends HopMessage{CONNECT, peer{id}} instead and prints
//   {"ok":true,"results":[{"peerId","type","status","statusName","limit"}]}.
// Exit 0 if every request got an answer (whatever its status), 1 otherwise; usage errors exit 2.
import './polyfill.mjs'
import { parseArgs } from 'node:util'
import { peerIdFromMultihash, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { RecordEnvelope } from '@libp2p/peer-record'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { errorMessage, printJson, stopQuietly } from './common.mjs'
import {
  HOP_PROTOCOL, STATUS_NAMES, createPlainNode, decodeFields, encodeVarint, lengthPrefixed,
  readLengthPrefixed
} from './relay_common.mjs'

const VOUCHER_DOMAIN = 'libp2p-relay-rsvp'
const VOUCHER_PAYLOAD_TYPE = [0x03, 0x02]

let args
try {
  args = parseArgs({
    options: {
      relay: { type: 'string' },
      count: { type: 'string', default: '1' },
      connect: { type: 'string' },
      timeout: { type: 'string', default: '30' }
    },
    strict: true
  }).values
  if (args.relay == null) throw new Error('--relay is required')
  if (!(Number(args.count) >= 1)) throw new Error(`bad --count ${args.count}`)
} catch (err) {
  printJson({ ok: false, error: `usage: ${errorMessage(err)}` })
  process.exit(2)
}

const nodes = []
let finished = false
async function finish (result, code) {
  if (finished) return
  finished = true
  printJson(result)
  await Promise.all(nodes.map(n => stopQuietly(n)))
  process.exit(code)
}
setTimeout(() => finish({ ok: false, error: `timed out after ${args.timeout} s` }, 1),
  Number(args.timeout) * 1000)

function peerIdFromBytes (bytes) {
  return peerIdFromMultihash(Digest.decode(bytes))
}

async function checkVoucher (bytes, relayId, selfId, expire) {
  const v = { present: true, valid: false }
  try {
    const env = await RecordEnvelope.openAndCertify(bytes, VOUCHER_DOMAIN)
    const type = Array.from(env.payloadType)
    if (type.length !== 2 || type[0] !== VOUCHER_PAYLOAD_TYPE[0] || type[1] !== VOUCHER_PAYLOAD_TYPE[1]) {
      throw new Error(`payload type ${Buffer.from(env.payloadType).toString('hex')}, want 0302`)
    }
    const signer = peerIdFromPublicKey(env.publicKey).toString()
    const f = decodeFields(env.payload.subarray())
    v.signer = signer
    v.relay = f[1]?.[0] != null ? peerIdFromBytes(f[1][0]).toString() : null
    v.peer = f[2]?.[0] != null ? peerIdFromBytes(f[2][0]).toString() : null
    v.expiration = f[3]?.[0] != null ? Number(f[3][0]) : null
    const problems = []
    if (signer !== relayId.toString()) problems.push(`signed by ${signer}, not the relay`)
    if (v.relay !== relayId.toString()) problems.push(`relay field ${v.relay}`)
    if (v.peer !== selfId.toString()) problems.push(`peer field ${v.peer}, not the requester`)
    if (v.expiration == null) problems.push('no expiration')
    else if (expire != null && v.expiration !== expire) problems.push(`expiration ${v.expiration} != reservation expire ${expire}`)
    if (problems.length > 0) throw new Error(problems.join('; '))
    v.valid = true
  } catch (err) {
    v.error = errorMessage(err)
  }
  return v
}

/** HopMessage{type: CONNECT, peer: {id}}: field 1 varint 1, field 2 a Peer with field 1 bytes. */
function connectMessage (target) {
  const id = target.toMultihash().bytes
  const peer = Uint8Array.from([0x0a, ...encodeVarint(id.length), ...id])
  return Uint8Array.from([0x08, 0x01, 0x12, ...encodeVarint(peer.length), ...peer])
}

async function reserve (relayMa, relayId, connectTo) {
  const node = await createPlainNode()
  nodes.push(node)
  const r = { peerId: node.peerId.toString() }
  try {
    const stream = await node.dialProtocol(relayMa, HOP_PROTOCOL)
    const request = connectTo != null
      ? connectMessage(connectTo)
      : Uint8Array.from([0x08, 0x00]) // HopMessage{type: RESERVE}
    stream.send(lengthPrefixed(request))
    const reply = decodeFields(await readLengthPrefixed(stream))
    await stream.close().catch(() => {})
    r.type = reply[1]?.[0] != null ? Number(reply[1][0]) : null
    r.status = reply[5]?.[0] != null ? Number(reply[5][0]) : null
    r.statusName = STATUS_NAMES[r.status] ?? String(r.status)
    const rsvp = reply[3]?.[0]
    if (rsvp != null) {
      const f = decodeFields(rsvp)
      r.expire = f[1]?.[0] != null ? Number(f[1][0]) : null
      r.addrs = (f[2] ?? []).map(b => { try { return multiaddr(b).toString() } catch { return '<invalid>' } })
      r.voucher = f[3]?.[0] != null
        ? await checkVoucher(f[3][0], relayId, node.peerId, r.expire)
        : { present: false }
    }
    const limit = reply[4]?.[0]
    if (limit != null) {
      const f = decodeFields(limit)
      r.limit = {
        durationS: f[1]?.[0] != null ? Number(f[1][0]) : null,
        bytes: f[2]?.[0] != null ? Number(f[2][0]) : null
      }
    }
  } catch (err) {
    r.error = errorMessage(err)
  }
  return r
}

try {
  const relayMa = multiaddr(args.relay)
  const id = relayMa.getComponents().findLast(c => c.name === 'p2p')?.value
  if (id == null) throw new Error('--relay must end in /p2p/<relay id>')
  const relayId = peerIdFromString(id)
  const results = []
  const connectTo = args.connect != null ? peerIdFromString(args.connect) : undefined
  const count = connectTo != null ? 1 : Number(args.count)
  for (let i = 0; i < count; i++) results.push(await reserve(relayMa, relayId, connectTo))
  await finish({ ok: true, results }, results.every(r => r.error == null) ? 0 : 1)
} catch (err) {
  await finish({ ok: false, error: errorMessage(err) }, 1)
}
