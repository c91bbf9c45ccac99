// js-libp2p circuit relay v2 client (@libp2p/circuit-relay-v2 transport over QUIC) for the
// privstack-relay interop tests.
//
//   node relay_peer.mjs listen --relay <relay multiaddr/p2p/<id>> [--timeout 120]
//   node relay_peer.mjs dial   --relay <relay multiaddr/p2p/<id>> --target <peer id>
//                              [--bytes 32768] [--hold S] [--expect-cut] [--timeout 30]
//
// listen: listens on <relay>/p2p-circuit (the transport makes the reservation), serves an echo
//   protocol on limited (relayed) connections too, prints JSON lines:
//   {"event":"reserved","peerId","circuitAddr"} then {"event":"echo","bytes":N,"relayed":bool} per
//   echo stream, until SIGTERM or the timeout.
// dial: dials <relay>/p2p-circuit/p2p/<target>, opens the echo protocol on that relayed
//   connection, sends --bytes random bytes, half-closes and reads the echo back. With --hold S it
//   then keeps the stream busy (1 KiB every 250 ms) for S seconds. Prints ONE JSON line:
//   {"ok","relayed","remoteAddr","limits","echoBytes","received","echoOk","cut","cutAfterMs","error"}
//   `cut` is true when the relay closed or reset the stream/connection before we were done.
//   Exit 0 when echoOk and not cut; with --expect-cut, exit 0 when cut. Usage errors exit 2.
import './polyfill.mjs'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { errorMessage, printJson, stopQuietly } from './common.mjs'
import { ECHO_PROTOCOL, createRelayNode, randomBytes } from './relay_common.mjs'

let mode, args
try {
  mode = process.argv[2]
  if (mode !== 'listen' && mode !== 'dial') throw new Error('first argument must be listen or dial')
  args = parseArgs({
    args: process.argv.slice(3),
    options: {
      relay: { type: 'string' },
      target: { type: 'string' },
      bytes: { type: 'string', default: '32768' },
      hold: { type: 'string', default: '0' },
      'expect-cut': { type: 'boolean', default: false },
      timeout: { type: 'string', default: mode === 'listen' ? '120' : '30' }
    },
    strict: true
  }).values
  if (args.relay == null) throw new Error('--relay is required')
  if (mode === 'dial' && args.target == null) throw new Error('dial needs --target')
} catch (err) {
  printJson({ ok: false, error: `usage: ${errorMessage(err)}` })
  process.exit(2)
}

let node
let finished = false
async function finish (result, code) {
  if (finished) return
  finished = true
  printJson(result)
  await stopQuietly(node)
  process.exit(code)
}
const timeoutMs = Number(args.timeout) * 1000
setTimeout(() => finish({ ok: false, error: `timed out after ${timeoutMs} ms (${stage})` }, 1), timeoutMs)
let stage = 'starting'

const isRelayed = conn => conn.remoteAddr.toString().includes('/p2p-circuit')

async function listen () {
  node = await createRelayNode({ listen: [`${args.relay}/p2p-circuit`] })
  await node.handle(ECHO_PROTOCOL, async (stream, connection) => {
    let n = 0
    try {
      for await (const chunk of stream) {
        n += chunk.byteLength
        if (!stream.send(chunk)) await stream.onDrain()
      }
      await stream.close()
    } catch (err) {
      stream.abort(err)
    }
    printJson({ event: 'echo', bytes: n, relayed: isRelayed(connection) })
  }, { runOnLimitedConnection: true })
  process.on('SIGTERM', () => finish({ event: 'exit', reason: 'SIGTERM', ok: true }, 0))
  stage = 'waiting for the reservation'
  // The circuit address appears among our addresses once the relay accepted the reservation.
  for (;;) {
    const addr = node.getMultiaddrs().map(a => a.toString()).find(a => a.includes('/p2p-circuit'))
    if (addr != null) {
      printJson({ event: 'reserved', peerId: node.peerId.toString(), circuitAddr: addr })
      break
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  stage = 'serving'
}

async function dial () {
  node = await createRelayNode()
  const target = `${args.relay}/p2p-circuit/p2p/${args.target}`
  stage = `dialing ${target}`
  const conn = await node.dial(multiaddr(target), { signal: AbortSignal.timeout(timeoutMs) })
  const result = {
    ok: false,
    relayed: isRelayed(conn),
    remoteAddr: conn.remoteAddr.toString(),
    limits: conn.limits == null
      ? null
      : {
          bytes: conn.limits.bytes != null ? Number(conn.limits.bytes) : null,
          seconds: conn.limits.seconds ?? null
        },
    echoBytes: Number(args.bytes),
    received: 0,
    echoOk: false,
    cut: false
  }
  stage = 'opening the echo stream'
  const start = Date.now()
  const stream = await conn.newStream(ECHO_PROTOCOL, { runOnLimitedConnection: true })
  const payload = randomBytes(Number(args.bytes))
  const got = new Uint8Array(payload.length)
  // Reader: collects the echo until the remote closes its side (or the stream dies).
  const reading = (async () => {
    for await (const chunk of stream) {
      const bytes = chunk.subarray()
      if (result.received + bytes.length <= got.length) got.set(bytes, result.received)
      result.received += bytes.length
    }
  })()
  try {
    stage = 'sending the echo payload'
    for (let off = 0; off < payload.length; off += 16384) {
      if (!stream.send(payload.subarray(off, Math.min(payload.length, off + 16384)))) {
        await stream.onDrain({ signal: AbortSignal.timeout(timeoutMs) })
      }
    }
    const holdMs = Number(args.hold) * 1000
    stage = 'holding the stream open'
    const holdStart = Date.now()
    while (Date.now() - holdStart < holdMs) {
      if (stream.status !== 'open' || conn.status !== 'open') throw new Error(`stream ${stream.status}, connection ${conn.status}`)
      stream.send(randomBytes(1024))
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    stage = 'reading the echo'
    await stream.close()
    await reading
    const expected = payload.length + (holdMs > 0 ? Math.ceil(holdMs / 250) * 1024 : 0)
    if (holdMs === 0) {
      result.echoOk = result.received === payload.length && Buffer.compare(got, payload) === 0
    } else {
      result.echoOk = result.received >= payload.length &&
        Buffer.compare(got.subarray(0, payload.length), payload) === 0
    }
    if (holdMs === 0 && result.received !== expected) result.error = `echo returned ${result.received} of ${expected} bytes`
  } catch (err) {
    result.cut = true
    result.cutAfterMs = Date.now() - start
    result.error = errorMessage(err)
  }
  // A relay that ends the circuit cleanly (FIN instead of reset) shows as a short echo.
  if (!result.cut && !result.echoOk) {
    result.cut = result.received < payload.length
    if (result.cut) result.cutAfterMs = Date.now() - start
  }
  result.ok = result.relayed && result.echoOk && !result.cut
  const good = args['expect-cut'] ? result.cut : result.ok
  await finish(result, good ? 0 : 1)
}

try {
  await (mode === 'listen' ? listen() : dial())
} catch (err) {
  await finish({ ok: false, error: `${stage}: ${errorMessage(err)}` }, 1)
}
