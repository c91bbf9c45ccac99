// js-libp2p @libp2p/kad-dht client for the privstack-relay kad interop tests.
//
//   node kad_client.mjs --bootstrap <multiaddr/p2p/id> [--bootstrap ...]
//       [--put-key K (--value V | --device-name NAME)] [--get-key K]
//       [--provide TEXT] [--find-providers TEXT] [--find-peer ID] [--client-mode] [--hold s]
//       [--timeout s]
//
// A DHT server (clientMode: false; --client-mode makes it a DHT client) listening on
// /ip4/127.0.0.1/udp/0/quic-v1, with identify, ping and kad-dht. js only stores and accepts records
// under a namespace with a validator, so this node registers one for `privstack` (keys
// /privstack/syncgroup/<hex>; the value must be PrivStack's {device_name, addresses, timestamp}
// JSON) and a selector that prefers the newest timestamp.
// Addresses are not filtered (passthroughMapper): everything here is loopback, which the default
// mapper would drop as private.
//
// Steps, each only if asked for: dial every bootstrap node and wait until kad has a peer in its
// routing table; put; provide (CIDv1 raw of sha256(TEXT)); findPeer (first, so that only the
// bootstrap nodes can have told us about the target); get; findProviders. Then ONE
// JSON line on stdout: {"ok":true,"peerId",...,"put":{},"get":{},...} or {"ok":false,"error"}.
// With --hold the node keeps serving the DHT for that many seconds (or until SIGTERM).
// Exit 0 on success, 1 on failure, 2 on a usage error.
import './polyfill.mjs'
import { parseArgs } from 'node:util'
import { quic } from '@chainsafe/libp2p-quic'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { errorMessage, printJson, stopQuietly } from './common.mjs'

let args
try {
  args = parseArgs({
    options: {
      bootstrap: { type: 'string', multiple: true, default: [] },
      'put-key': { type: 'string' },
      value: { type: 'string' },
      'device-name': { type: 'string' },
      'get-key': { type: 'string' },
      provide: { type: 'string' },
      'find-providers': { type: 'string' },
      'find-peer': { type: 'string' },
      'client-mode': { type: 'boolean', default: false },
      hold: { type: 'string', default: '0' },
      timeout: { type: 'string', default: '30' }
    },
    strict: true
  }).values
  if (args.bootstrap.length === 0) throw new Error('--bootstrap is required')
  if ((args['put-key'] != null) !== (args.value != null || args['device-name'] != null)) {
    throw new Error('--put-key needs --value or --device-name')
  }
  if (!(Number(args.timeout) > 0)) throw new Error(`bad --timeout ${args.timeout}`)
  if (!(Number(args.hold) >= 0)) throw new Error(`bad --hold ${args.hold}`)
} catch (err) {
  printJson({ ok: false, error: `usage: ${errorMessage(err)}` })
  process.exit(2)
}

const timeoutMs = Math.round(Number(args.timeout) * 1000)
const holdMs = Math.round(Number(args.hold) * 1000)
const enc = new TextEncoder()
const dec = new TextDecoder()
const report = {}
let node
let stage = 'starting'
let finished = false

async function finish (ok, error) {
  if (finished) return
  finished = true
  clearTimeout(hardTimeout)
  printJson({ ok, ...(error != null ? { error } : {}), ...report })
  if (ok && holdMs > 0) {
    stage = 'holding'
    await new Promise(resolve => {
      setTimeout(resolve, holdMs)
      process.once('SIGTERM', resolve)
      process.once('SIGINT', resolve)
    })
  }
  await stopQuietly(node)
  process.exit(ok ? 0 : 1)
}

const hardTimeout = setTimeout(() => {
  finish(false, `timed out after ${timeoutMs} ms while ${stage}`)
}, timeoutMs)

/** PrivStack's sync-group value: the record must parse and carry the three fields. */
function validatePrivstack (key, value) {
  const k = dec.decode(key)
  if (!/^\/privstack\/syncgroup\/[0-9a-f]{64}$/.test(k)) throw new Error(`bad privstack key ${k}`)
  const v = JSON.parse(dec.decode(value))
  if (typeof v.device_name !== 'string' || !Array.isArray(v.addresses) ||
      typeof v.timestamp !== 'number') {
    throw new Error('privstack record must be {device_name, addresses, timestamp}')
  }
}

/** Newest timestamp wins (what a sync client wants from several devices' records). */
function selectPrivstack (key, records) {
  let best = 0
  let bestTs = -Infinity
  records.forEach((r, i) => {
    try {
      const ts = JSON.parse(dec.decode(r)).timestamp
      if (ts > bestTs) { best = i; bestTs = ts }
    } catch {}
  })
  return best
}

async function cidOf (text) {
  return CID.createV1(raw.code, await sha256.digest(enc.encode(text)))
}

const signal = () => AbortSignal.timeout(timeoutMs)

async function run () {
  node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] },
    transports: [quic()],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: '/ipfs/kad/1.0.0',
        clientMode: args['client-mode'],
        peerInfoMapper: passthroughMapper,
        validators: { privstack: validatePrivstack },
        selectors: { privstack: selectPrivstack }
      })
    }
  })
  const dht = node.services.dht
  report.peerId = node.peerId.toString()
  report.listenAddrs = node.getMultiaddrs().map(a => a.toString())

  // Bootstrap: dial each relay, then wait until kad put it in the routing table (js adds only
  // peers whose identify lists /ipfs/kad/1.0.0; queries would otherwise wait for a peer forever).
  const relays = args.bootstrap.map(a => multiaddr(a))
  const relayIds = relays.map(ma => ma.getComponents().findLast(c => c.name === 'p2p')?.value)
  if (relayIds.includes(undefined)) throw new Error('--bootstrap addresses must end in /p2p/<id>')
  stage = 'dialing the bootstrap nodes'
  for (const ma of relays) await node.dial(ma, { signal: signal() })
  stage = 'waiting for the bootstrap nodes in the kad routing table'
  const inTable = new Set()
  while (inTable.size < relayIds.length) {
    for (const id of relayIds) {
      if (await dht.routingTable.find(peerIdFromString(id)) != null) inTable.add(id)
    }
    if (inTable.size < relayIds.length) await new Promise(resolve => setTimeout(resolve, 100))
  }
  report.bootstrapInRoutingTable = [...inTable]

  if (args['put-key'] != null) {
    const key = args['put-key']
    stage = `put ${key}`
    const value = args.value ?? JSON.stringify({
      device_name: args['device-name'],
      addresses: node.getMultiaddrs().map(a => a.toString()),
      timestamp: Math.floor(Date.now() / 1000)
    })
    const stored = []
    const errors = []
    for await (const ev of dht.put(enc.encode(key), enc.encode(value), { signal: signal() })) {
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE') stored.push(ev.from.toString())
      if (ev.name === 'QUERY_ERROR') errors.push(`${ev.from}: ${errorMessage(ev.error)}`)
    }
    report.put = { ok: stored.length > 0, key, value, storedAt: stored, errors }
    if (stored.length === 0) throw new Error(`put: no peer stored the record (${errors.join('; ')})`)
  }

  if (args.provide != null) {
    const cid = await cidOf(args.provide)
    stage = `provide ${cid}`
    await node.contentRouting.provide(cid, { signal: signal() })
    report.provide = { ok: true, cid: cid.toString() }
  }

  if (args['find-peer'] != null) {
    const target = peerIdFromString(args['find-peer'])
    stage = `findPeer ${target}`
    let found = null
    const from = []
    const listedBy = [] // peers whose FIND_NODE answer named the target
    for await (const ev of dht.findPeer(target, { signal: signal() })) {
      if (ev.name === 'PEER_RESPONSE' && ev.closer.some(p => p.id.equals(target))) {
        listedBy.push(ev.from.toString())
      }
      if (ev.name === 'FINAL_PEER' && ev.peer.id.equals(target)) {
        found = { peerId: ev.peer.id.toString(), addrs: ev.peer.multiaddrs.map(a => a.toString()) }
        from.push(ev.from.toString())
      }
    }
    report.findPeer = { ok: found != null, found: found != null, peer: found, from, listedBy }
    if (found == null) throw new Error('findPeer: not found')
  }

  if (args['get-key'] != null) {
    const key = args['get-key']
    stage = `get ${key}`
    // dht.get yields only the selector's best VALUE; every peer's GET_VALUE answer that carried a
    // record is in its PEER_RESPONSE events (so the test can tell the relay's answer apart).
    const records = []
    let best = null
    for await (const ev of dht.get(enc.encode(key), { signal: signal() })) {
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'GET_VALUE' && ev.record != null) {
        records.push({ from: ev.from.toString(), value: dec.decode(ev.record.value) })
      }
      if (ev.name === 'VALUE') best = { from: ev.from.toString(), value: dec.decode(ev.value) }
    }
    report.get = { ok: best != null, key, best, records }
    if (best == null) throw new Error('get: no record found')
  }

  if (args['find-providers'] != null) {
    const cid = await cidOf(args['find-providers'])
    stage = `findProviders ${cid}`
    const providers = []
    const from = []
    // js reports each provider once (PROVIDER events are de-duplicated); the raw responses say
    // which peer (the relay?) listed which providers.
    const responses = []
    for await (const ev of dht.findProviders(cid, { signal: signal() })) {
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'GET_PROVIDERS') {
        responses.push({ from: ev.from.toString(), providers: ev.providers.map(p => p.id.toString()) })
      }
      if (ev.name !== 'PROVIDER') continue
      from.push(ev.from.toString())
      for (const p of ev.providers) {
        providers.push({ peerId: p.id.toString(), addrs: p.multiaddrs.map(a => a.toString()) })
      }
    }
    report.findProviders = { ok: providers.length > 0, cid: cid.toString(), providers, from, responses }
    if (providers.length === 0) throw new Error('findProviders: no provider found')
  }
}

run().then(() => finish(true), err => finish(false, `${stage}: ${errorMessage(err)}`))
