// Usage: node write-key.mjs <path>
// Generates an Ed25519 key with js-libp2p, writes its libp2p PrivateKey protobuf to <path> and
// prints the peer id. The relay must load that file and report the same peer id.
// (No Promise.withResolvers polyfill: nothing in this dependency tree uses it on Node 20.)
import { writeFileSync } from 'node:fs'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

const path = process.argv[2]
if (path === undefined) {
  console.error('usage: node write-key.mjs <path>')
  process.exit(2)
}

const key = await generateKeyPair('Ed25519')
// 'wx': fail rather than replace an existing file; 0600 like the relay's own key files.
writeFileSync(path, privateKeyToProtobuf(key), { flag: 'wx', mode: 0o600 })
console.log(peerIdFromPrivateKey(key).toString())
