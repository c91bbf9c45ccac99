// js-libp2p interop dialer.
//
//   node dial.mjs --addr <multiaddr ending in /p2p/<peer id>> [--expect-fail] [--timeout <s>]
//
// Dials over QUIC v1 (no listener), waits for identify of the remote, pings it 3 times and prints ONE
// JSON line: {"ok":true,"peerId",...,"rttMs":[...]} or {"ok":false,"error":"..."}.
// Exit 0 on success, 1 on failure; with --expect-fail the two are swapped. Usage errors exit 2.
import './polyfill.mjs'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode, errorMessage, printJson, stopQuietly } from './common.mjs'

const PINGS = 3

let args
try {
  args = parseArgs({
    options: {
      addr: { type: 'string' },
      'expect-fail': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '20' }
    },
    strict: true
  }).values
  if (args.addr == null) throw new Error('--addr is required')
  if (!(Number(args.timeout) > 0)) throw new Error(`bad --timeout ${args.timeout}`)
} catch (err) {
  printJson({ ok: false, error: `usage: ${errorMessage(err)}` })
  process.exit(2)
}

const expectFail = args['expect-fail']
const timeoutMs = Math.round(Number(args.timeout) * 1000)
let node
let finished = false
let stage = 'starting'   // for the timeout message

async function finish (result) {
  if (finished) return
  finished = true
  printJson(result)
  await stopQuietly(node)
  process.exit(result.ok !== expectFail ? 0 : 1)
}

// Hard timeout: never hang, whatever the remote does.
setTimeout(() => {
  finish({ ok: false, error: `timed out after ${timeoutMs} ms while ${stage}` })
}, timeoutMs)

async function run () {
  const ma = multiaddr(args.addr)
  const expected = ma.getComponents().findLast(c => c.name === 'p2p')?.value
  if (expected == null) throw new Error('the address must end in /p2p/<peer id>')

  node = await createNode()

  // Identify runs automatically when the connection opens; catch its result.
  const identified = new Promise(resolve => {
    node.addEventListener('peer:identify', evt => {
      if (evt.detail.peerId.toString() === expected) resolve(evt.detail)
    })
  })

  stage = 'dialing'
  const conn = await node.dial(ma, { signal: AbortSignal.timeout(timeoutMs) })
  if (conn.remotePeer.toString() !== expected) {
    throw new Error(`connected to ${conn.remotePeer}, expected ${expected}`)
  }

  const closed = new Promise((resolve, reject) => {
    node.addEventListener('connection:close', evt => {
      if (evt.detail.remotePeer.toString() === expected) {
        reject(new Error('connection closed before identify+ping finished'))
      }
    })
  })
  closed.catch(() => {})

  stage = 'waiting for identify'
  const info = await Promise.race([identified, closed])

  const rttMs = []
  for (let i = 0; i < PINGS; i++) {
    stage = `waiting for ping ${i + 1}`
    rttMs.push(await Promise.race([
      node.services.ping.ping(conn.remotePeer, { signal: AbortSignal.timeout(5000) }),
      closed
    ]))
  }

  return {
    ok: true,
    peerId: info.peerId.toString(),
    protocolVersion: info.protocolVersion ?? null,
    agentVersion: info.agentVersion ?? null,
    protocols: info.protocols,
    listenAddrs: info.listenAddrs.map(a => a.toString()),
    observedAddr: info.observedAddr?.toString() ?? null,
    rttMs
  }
}

run().then(finish, err => finish({ ok: false, error: errorMessage(err) }))
