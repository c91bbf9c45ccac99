// js-libp2p interop listener (for the relay's own dialer).
//
//   node listen.mjs [--ip6] [--timeout <s>] [--identity <libp2p private key protobuf file>]
//
// Listens on /ip4/127.0.0.1/udp/0/quic-v1 (plus /ip6/::1/udp/0/quic-v1 with --ip6) with identify + ping,
// prints ONE JSON line {"addrs":[...full multiaddrs with /p2p/...],"peerId":"..."} and then waits.
// Exits 0 on SIGTERM/SIGINT or after --timeout seconds (default 300).
import './polyfill.mjs'
import { parseArgs } from 'node:util'
import { createNode, errorMessage, printJson, stopQuietly } from './common.mjs'

let args
try {
  args = parseArgs({
    options: {
      ip6: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '300' },
      identity: { type: 'string' }
    },
    strict: true
  }).values
} catch (err) {
  printJson({ ok: false, error: `usage: ${errorMessage(err)}` })
  process.exit(2)
}

const listen = ['/ip4/127.0.0.1/udp/0/quic-v1']
if (args.ip6) listen.push('/ip6/::1/udp/0/quic-v1')

let node
async function shutdown (code) {
  await stopQuietly(node)
  process.exit(code)
}

try {
  node = await createNode({ listen, identityFile: args.identity })
  const peerId = node.peerId.toString()
  // getMultiaddrs() already carries /p2p/<id>; add it where a transport address lacks it.
  const addrs = node.getMultiaddrs().map(a => {
    const s = a.toString()
    return s.includes('/p2p/') ? s : `${s}/p2p/${peerId}`
  })
  if (addrs.length === 0) throw new Error('no listen addresses')
  printJson({ addrs, peerId })
} catch (err) {
  printJson({ ok: false, error: errorMessage(err) })
  await shutdown(1)
}

process.on('SIGTERM', () => { shutdown(0) })
process.on('SIGINT', () => { shutdown(0) })
setTimeout(() => { shutdown(0) }, Math.round(Number(args.timeout) * 1000))
