// Shared helpers for the circuit relay v2 interop peers (relay_peer.mjs, relay_hop.mjs).
import './polyfill.mjs'
import { noise } from '@chainsafe/libp2p-noise'
import { quic } from '@chainsafe/libp2p-quic'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { createLibp2p } from 'libp2p'

export const ECHO_PROTOCOL = '/privstack-interop/echo/1.0.0'
export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'

/**
 * A js-libp2p node that can reserve on and dial through a circuit relay v2. QUIC brings its own
 * security and muxing; a circuit is a plain byte pipe, so it needs noise + yamux on top.
 */
export async function createRelayNode ({ listen = [] } = {}) {
  return createLibp2p({
    addresses: { listen },
    transports: [quic(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() }
  })
}

/** A QUIC-only node (no relay transport): for raw hop requests. */
export async function createPlainNode () {
  return createLibp2p({
    transports: [quic()],
    services: { identify: identify() }
  })
}

// ---- a minimal protobuf reader/writer: enough for the relay v2 messages -----------------------

export function encodeVarint (n) {
  const out = []
  let v = BigInt(n)
  do {
    let b = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) b |= 0x80
    out.push(b)
  } while (v > 0n)
  return Uint8Array.from(out)
}

/** Reads a varint at buf[pos]; returns [value (BigInt), next position]. Bounded to 10 bytes. */
export function readVarint (buf, pos) {
  let v = 0n
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint')
    const b = buf[pos++]
    v |= BigInt(b & 0x7f) << BigInt(7 * i)
    if ((b & 0x80) === 0) return [v, pos]
  }
  throw new Error('varint too long')
}

/** Decodes one protobuf message into { fieldNumber: [values] } (varints as BigInt, bytes as Uint8Array). */
export function decodeFields (buf) {
  const fields = {}
  let pos = 0
  while (pos < buf.length) {
    let key
    ;[key, pos] = readVarint(buf, pos)
    const field = Number(key >> 3n)
    const wire = Number(key & 7n)
    let value
    if (wire === 0) {
      ;[value, pos] = readVarint(buf, pos)
    } else if (wire === 2) {
      let len
      ;[len, pos] = readVarint(buf, pos)
      if (BigInt(pos) + len > BigInt(buf.length)) throw new Error('truncated field')
      value = buf.subarray(pos, pos + Number(len))
      pos += Number(len)
    } else if (wire === 1) {
      pos += 8; value = null
    } else if (wire === 5) {
      pos += 4; value = null
    } else {
      throw new Error(`unsupported wire type ${wire}`)
    }
    ;(fields[field] ??= []).push(value)
  }
  return fields
}

/** Reads one varint-length-prefixed message from a js-libp2p 3.x stream (≤ maxLen bytes). */
export async function readLengthPrefixed (stream, maxLen = 4096) {
  let buf = new Uint8Array(0)
  for await (const chunk of stream) {
    const bytes = chunk.subarray()
    const next = new Uint8Array(buf.length + bytes.length)
    next.set(buf); next.set(bytes, buf.length)
    buf = next
    let len, pos
    try {
      ;[len, pos] = readVarint(buf, 0)
    } catch (err) {
      if (buf.length < 10) continue
      throw err
    }
    if (len > BigInt(maxLen)) throw new Error(`message of ${len} bytes exceeds ${maxLen}`)
    if (buf.length >= pos + Number(len)) return buf.subarray(pos, pos + Number(len))
  }
  throw new Error(`stream ended after ${buf.length} bytes, before a whole message`)
}

export function lengthPrefixed (msg) {
  const len = encodeVarint(msg.length)
  const out = new Uint8Array(len.length + msg.length)
  out.set(len); out.set(msg, len.length)
  return out
}

export const STATUS_NAMES = {
  0: 'UNUSED',
  100: 'OK',
  200: 'RESERVATION_REFUSED',
  201: 'RESOURCE_LIMIT_EXCEEDED',
  202: 'PERMISSION_DENIED',
  203: 'CONNECTION_FAILED',
  204: 'NO_RESERVATION',
  400: 'MALFORMED_MESSAGE',
  401: 'UNEXPECTED_MESSAGE'
}

/** Random bytes for echo payloads. */
export function randomBytes (n) {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)))
  return out
}
