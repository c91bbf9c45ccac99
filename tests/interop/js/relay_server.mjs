// js-libp2p relay for the benchmarks (bench/targets/js.sh): the js-libp2p equivalent of
// privstack-relay, built from this package's pinned deps.
//
//   node relay_server.mjs --port P [--http-port H] [--identity FILE] [--peer-id-file FILE]
//       [--unlimited] [--no-connection-monitor]
//
// - QUIC v1 (@chainsafe/libp2p-quic) on 127.0.0.1:P and [::1]:P, a fresh Ed25519 identity unless
//   --identity names a libp2p PrivateKey protobuf;
// - identify (agentVersion privstack-relay-js/0.1.0 via nodeInfo.userAgent), ping,
//   circuit relay v2 server (@libp2p/circuit-relay-v2 circuitRelayServer), kad-dht in server mode
//   on /ipfs/kad/1.0.0 with a `privstack` validator and selector that accept anything (js-libp2p
//   stores records only under a namespace that has a validator) and no address filtering
//   (passthroughMapper: everything here is loopback, which the default mapper drops);
// - --http-port: answers every HTTP request with the identity JSON, like the relay's API;
// - --peer-id-file: once listening, writes the peer id to FILE.tmp and renames it to FILE.
//
// Without --unlimited every limit is js-libp2p's default (15 reservations, 2 min / 128 KiB per
// circuit, 300 connections, 5 inbound connections per second per host, 10 pending inbound
// connections, 32 inbound streams per protocol and connection). --unlimited lifts all of those:
// see `limits` below. The connection monitor (a ping every 10 s on every connection, abort on
// failure) stays on, as it is js-libp2p's default behaviour, unless --no-connection-monitor.
import './polyfill.mjs'
import { writeFile, rename, readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { quic } from '@chainsafe/libp2p-quic'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { createLibp2p } from 'libp2p'
import { errorMessage } from './common.mjs'

let args
try {
  args = parseArgs({
    options: {
      port: { type: 'string' },
      'http-port': { type: 'string' },
      identity: { type: 'string' },
      'peer-id-file': { type: 'string' },
      unlimited: { type: 'boolean', default: false },
      'no-connection-monitor': { type: 'boolean', default: false }
    },
    strict: true
  }).values
  if (!(Number(args.port) > 0 && Number(args.port) < 65536)) throw new Error(`bad --port ${args.port}`)
} catch (err) {
  process.stderr.write(`usage: ${errorMessage(err)}\n`)
  process.exit(2)
}

// "No limit" for counts that must be numbers; large enough never to be reached by a benchmark.
const MANY = 1_000_000_000
// Streams per protocol and connection: the registrar allocates nothing up front, so a large
// number is as good as none.
const STREAMS = 1_000_000

const unlimited = args.unlimited
const limits = unlimited
  ? {
      connectionManager: {
        maxConnections: MANY,
        maxIncomingPendingConnections: MANY,
        inboundConnectionThreshold: MANY,
        maxParallelDials: 100
      },
      relay: {
        reservations: {
          maxReservations: MANY,
          // No Limit message in reservations or circuits: circuits are neither cut by time nor
          // by bytes.
          applyDefaultLimit: false,
          reservationTtl: 24 * 3600 * 1000
        },
        maxInboundHopStreams: STREAMS,
        maxOutboundHopStreams: STREAMS,
        maxOutboundStopStreams: STREAMS
      },
      kad: { maxInboundStreams: STREAMS, maxOutboundStreams: STREAMS },
      perProtocol: { maxInboundStreams: STREAMS, maxOutboundStreams: STREAMS }
    }
  : { connectionManager: {}, relay: {}, kad: {}, perProtocol: {} }

// Benchmark keys are /privstack/bench/<n>: any value is valid, the first record wins.
const acceptAnything = async () => {}
const selectFirst = () => 0

const listen = [`/ip4/127.0.0.1/udp/${args.port}/quic-v1`, `/ip6/::1/udp/${args.port}/quic-v1`]
const options = {
  addresses: { listen },
  transports: [quic()],
  connectionManager: limits.connectionManager,
  connectionMonitor: { enabled: !args['no-connection-monitor'] },
  services: {
    identify: identify({
      protocolPrefix: 'ipfs',
      ...limits.perProtocol
    }),
    ping: ping({ ...limits.perProtocol }),
    relay: circuitRelayServer(limits.relay),
    dht: kadDHT({
      protocol: '/ipfs/kad/1.0.0',
      clientMode: false,
      peerInfoMapper: passthroughMapper,
      validators: { privstack: acceptAnything },
      selectors: { privstack: selectFirst },
      ...limits.kad
    })
  },
  nodeInfo: { userAgent: 'privstack-relay-js/0.1.0' }
}
if (args.identity != null) options.privateKey = privateKeyFromProtobuf(await readFile(args.identity))

let node
try {
  node = await createLibp2p(options)
} catch (err) {
  process.stderr.write(`relay failed to start: ${errorMessage(err)}\n`)
  process.exit(1)
}
const peerId = node.peerId.toString()
const addrs = node.getMultiaddrs().map(a => a.toString())

if (args['http-port'] != null) {
  const body = JSON.stringify({
    peer_id: peerId,
    addresses: listen,
    protocol_version: '/privstack/relay/1.0.0',
    agent_version: 'privstack-relay-js/0.1.0'
  })
  const http = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  await new Promise((resolve, reject) => {
    http.once('error', reject)
    http.listen(Number(args['http-port']), '127.0.0.1', resolve)
  })
}

process.stdout.write('js-libp2p relay (circuit-relay-v2 server + kad-dht server + identify + ping)\n')
process.stdout.write(`  PeerId:    ${peerId}\n`)
for (const a of addrs) process.stdout.write(`  Listen:    ${a}\n`)
process.stdout.write(`  Limits:    ${unlimited ? 'lifted (--unlimited)' : 'js-libp2p defaults'}\n`)
if (args['peer-id-file'] != null) {
  const file = args['peer-id-file']
  await writeFile(`${file}.tmp`, `${peerId}\n`)
  await rename(`${file}.tmp`, file)
}

// SIGTERM/SIGINT: stop the node (closes connections), but never wait longer than 5 s.
let stopping = false
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    if (stopping) return
    stopping = true
    setTimeout(() => process.exit(0), 5000).unref()
    node.stop().catch(() => {}).finally(() => process.exit(0))
  })
}
