// Shared helpers for the js-libp2p interop peers.
import './polyfill.mjs'
import { readFile } from 'node:fs/promises'
import { quic } from '@chainsafe/libp2p-quic'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { createLibp2p } from 'libp2p'

/** Builds a QUIC-only js-libp2p node with identify + ping. */
export async function createNode ({ listen = [], identityFile } = {}) {
  const options = {
    addresses: { listen },
    transports: [quic()],
    services: {
      identify: identify(),
      ping: ping()
    }
  }
  if (identityFile != null) {
    // libp2p PrivateKey protobuf, e.g. 08 01 12 40 <seed ‖ pub> for Ed25519.
    options.privateKey = privateKeyFromProtobuf(await readFile(identityFile))
  }
  return createLibp2p(options)
}

/** Prints exactly one JSON line on stdout. */
export function printJson (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

export function errorMessage (err) {
  if (err == null) return 'unknown error'
  const name = err.name != null && err.name !== 'Error' ? `${err.name}: ` : ''
  let msg = `${name}${err.message ?? String(err)}`
  if (err.errors != null && Array.isArray(err.errors) && err.errors.length > 0) {
    msg += ' [' + err.errors.map(e => errorMessage(e)).join('; ') + ']'
  }
  if (err.cause != null && err.cause !== err) {
    msg += ` (cause: ${errorMessage(err.cause)})`
  }
  return msg
}

/** Stops a node but never waits longer than `ms`. */
export async function stopQuietly (node, ms = 2000) {
  if (node == null) return
  await Promise.race([
    node.stop().catch(() => {}),
    new Promise(resolve => setTimeout(resolve, ms).unref())
  ])
}
