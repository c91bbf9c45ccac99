// Published libp2p test vectors (and a few generated with go-libp2p / rust-libp2p where nothing is
// published). Each constant names its source; hex is lower-case as in the sources.
#pragma once

#include <string_view>

namespace privstack::crypto::vectors {

// ---------------------------------------------------------------------------------------------
// libp2p/specs peer-ids/peer-ids.md, "Test vectors" (specs HEAD 7740c07). The same values are in
// rust-libp2p identity/src/keypair.rs tests (keypair_protobuf_roundtrip_*).
inline constexpr std::string_view kSpecEcdsaPrivateKey =
    "08031279307702010104203e5b1fe9712e6c314942a750bd67485de3c1efe85b1bfb520ae8f9ae3dfa4a4ca00a0608"
    "2a8648ce3d030107a14403420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b"
    "6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";
inline constexpr std::string_view kSpecEcdsaPublicKey =
    "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab"
    "44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e"
    "62";
inline constexpr std::string_view kSpecEd25519PrivateKey =
    "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8f"
    "d4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
inline constexpr std::string_view kSpecEd25519PublicKey =
    "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
inline constexpr std::string_view kSpecSecp256k1PrivateKey =
    "0802122053dadf1d5a164d6b4acdb15e24aa4c5b1d3461bdbd42abedb0a4404d56ced8fb";
inline constexpr std::string_view kSpecSecp256k1PublicKey =
    "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
// 4096-bit RSA SubjectPublicKeyInfo.
inline constexpr std::string_view kSpecRsaPublicKey =
    "080012a60430820222300d06092a864886f70d01010105000382020f003082020a0282020100e1beab071d08200bde"
    "24eef00d049449b07770ff9910257b2d7d5dda242ce8f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae98800"
    "89704a94e5066d594162ae6ee8892e6ec70701db0a6c445c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c"
    "309bc0ab3aeb1873282bebd3da03c33e76c21e9beb172fd44c9e43be32e2c99827033cf8d0f0c606f4579326c930eb"
    "4e854395ad941256542c793902185153c474bed109d6ff5141ebf9cd256cf58893a37f83729f97e7cb435ec679d2e3"
    "3901d27bb35aa0d7e20561da08885ef0abbf8e2fb48d6a5487047a9ecb1ad41fa7ed84f6e3e8ecd5d98b3982d2a901"
    "b4454991766da295ab78822add5612a2df83bcee814cf50973e80d7ef38111b1bd87da2ae92438a2c8cbcc70b31ee3"
    "19939a3b9c761dbc13b5c086d6b64bf7ae7dacc14622375d92a8ff9af7eb962162bbddebf90acb32adb5e4e4029f1c"
    "96019949ecfbfeffd7ac1e3fbcc6b6168c34be3d5a2e5999fcbb39bba7adbca78eab09b9bc39f7fa4b93411f4cc175"
    "e70c0a083e96bfaefb04a9580b4753c1738a6a760ae1afd851a1a4bdad231cf56e9284d832483df215a46c1c21bdf0"
    "c6cfe951c18f1ee4078c79c13d63edb6e14feaeffabc90ad317e4875fe648101b0864097e998f0ca3025ef9638cd2b"
    "0caecd3770ab54a1d9c6ca959b0f5dcbc90caeefc4135baca6fd475224269bbe1b0203010001";

// Peer id of the spec Ed25519 key, as printed by go-libp2p v0.51.0 (peer.IDFromPrivateKey) and
// rust-libp2p libp2p-core 0.44.0 (PeerRecord::peer_id) — see the generators below.
inline constexpr std::string_view kSpecEd25519PeerId =
    "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";

// libp2p/specs peer-ids.md "String representation" examples.
inline constexpr std::string_view kSpecSha256PeerIdCid =
    "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe";
inline constexpr std::string_view kSpecSha256PeerIdBase58 =
    "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
inline constexpr std::string_view kSpecEd25519PeerIdExample =
    "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

// ---------------------------------------------------------------------------------------------
// go-libp2p core/crypto/test_data (HEAD 0d90292), checked by core/crypto/fixture_test.go: key
// files <type>.pub / <type>.sig, message "Libp2p is the _best_!".
inline constexpr std::string_view kGoFixtureMessage = "Libp2p is the _best_!";
// 0.pub / 0.sig: RSA 2048, PKCS#1 v1.5 SHA-256.
inline constexpr std::string_view kGoRsaPublicKey =
    "080012a60230820122300d06092a864886f70d01010105000382010f003082010a0282010100f2b75b418c28ed7aab"
    "fe17e90dfb93c13f2ec6381d072f862fb75808b96d227eef2083d31f4a78069f85ad6a8c73896ea385a386430d1cc0"
    "9a90a230f00911515c5538c4b62d897fc665df1150456aec75cdb2310c88f2079c82f56a79375c79e4f840f0eb1521"
    "3f1972d6a248d684453ce5d3e3ec091f38c2f95c3ab5a1dfb603a9f955ebd9a75814ec5b725bb8882b047dbbae000a"
    "d88a5236596ad800c4ccfae3c74d69f8c665741d47972213dd4fdc83d39bab7ccce49f65e2dee7c76cd79c3500aafe"
    "7207ad41d843d89ac11e6653b872dfb2c5d790ec4eb6d954aa6e14a55463659edf0a2513c0aad9b8349f259a9b605b"
    "3d71dec43b69ee6be851a7530203010001";
inline constexpr std::string_view kGoRsaSignature =
    "6e111325f710ad394633cfd37e467e18c5137fb63d182c9b8ea34386727c833160dc010dee126ee2baf33515ff5987"
    "30fbc3d3816ec5dbc626f8b17208432620f7915fbe1b6e5ace206d3fb98c3f93dab0e8c19f0c1592ed2c8a354bccd3"
    "c0d6de54747dc5e4fc234b87f7f4e0a63c7b6512ca3ca6a5a588e8639ee1820f2150fdb4bb00215e50b3227f4d1d21"
    "be8ea1e8c80eb3192749ad8cd5dc9bd2b3184015a06b8d6ffb6e0726aaa4aa7d3e7102c69a07f7340332bad47fdcfe"
    "e22ba25c28233344436aba3e92c0276dcce8f2e56c44b66857591ce815d87db6e87b2b74b94812a95e85b6eeab7064"
    "34d8b0687fa717594cd6a5a82024a15d1a0aedebfe";
// 2.pub / 2.sig: secp256k1.
inline constexpr std::string_view kGoSecp256k1PublicKey =
    "08021221023540ad842af8a43551a94d8383a555a99226506b88f953d2e70316a3a1b3d6a2";
inline constexpr std::string_view kGoSecp256k1Signature =
    "3044022031a7d633c2f3e45a16128d43751afaa8dc9ba24092c5f5b3cad2c8fe4cf388f2022049ea8d219f458683d2"
    "4775d543ea8fb290704347fb35493c403bc2c259b29d9e";
// The same signature with s replaced by n - s (its high-S twin; equally valid ECDSA, which go and
// rust accept and libsecp256k1 only accepts after normalisation).
inline constexpr std::string_view kGoSecp256k1SignatureHighS =
    "3045022031a7d633c2f3e45a16128d43751afaa8dc9ba24092c5f5b3cad2c8fe4cf388f2022100b61572de60ba797c"
    "2db88a2abc15704c2a3e999eb41356ff7f969bca7683a3a3";
// 3.pub / 3.sig: ECDSA P-256.
inline constexpr std::string_view kGoEcdsaPublicKey =
    "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004e29a8674f3614e0ccb72406bfe2137e9"
    "f8c5f7d62d137f0a2edd233e35374777fd1f9aed4d2cfa7371caafc6ef02db83b81f77cfe1bcd8c715acf0b9a2778e"
    "a9";
inline constexpr std::string_view kGoEcdsaSignature =
    "3046022100846a6685b9e72b560cb2fc4a75f9cbc38a90aaeaa7f3f25ee719832db7b93a65022100cd992bb7bd2bcc"
    "28c7db04987d10adc490fe348270954f7696cb0dffff0dfc3d";

// ---------------------------------------------------------------------------------------------
// js-libp2p packages/crypto/test/fixtures (HEAD 59ccecc).
inline constexpr std::string_view kJsFixtureMessage =
    "hello! and welcome to some awesome crypto primitives";
// go-key-ed25519.ts `verify` (generated with go-libp2p-core); ed25519.spec.ts expects the peer id.
inline constexpr std::string_view kGoEd25519PrivateKey =
    "08011240e838af14f0a0132f5c5873dda40d24a29e88f71f1de74c8f0c5bc10458214317a3b0c32ffed03105c06620"
    "3f3acaab9992a419d4195b921a75a59406cf5ad97e";
inline constexpr std::string_view kGoEd25519PublicKey =
    "08011220a3b0c32ffed03105c066203f3acaab9992a419d4195b921a75a59406cf5ad97e";
inline constexpr std::string_view kGoEd25519Signature =
    "a07d1e3ed5bdef5c574ccda9fb95bb396055afd51684e53cc41275c20cae871f27a8ae674e3725de25acdeef993fc5"
    "9843a7bfd7a1d4d8a3514d2de4974f6501";
inline constexpr std::string_view kGoEd25519PeerId =
    "12D3KooWLqLxEfJ9nDdEe8Kh8PFvNPQRYDQBwyL7CMM7HhVd5LsX";
// go-key-ed25519.ts `redundantPubKey`: the legacy 96-byte seed‖pub‖pub private key.
inline constexpr std::string_view kGoEd25519RedundantPrivateKey =
    "08011260c9d0016eb010e62542b895fc4e38ce8802267698e2c575c836bd9cdab8077639e931dd61a49ef18149a6e1"
    "ffc1761654370ff9a8e1b4c6bf0e4bbbf3965be825e931dd61a49ef18149a6e1ffc1761654370ff9a8e1b4c6bf0e4b"
    "bbf3965be825";
// go-key-secp256k1.ts (generated with go-libp2p-crypto); secp256k1.spec.ts expects the peer id.
inline constexpr std::string_view kJsSecp256k1PublicKey =
    "08021221029c0ce5d53646ed47112560297a3e59b78b8cbd4bae37c7a0c236eeb91d0fbeaf";
inline constexpr std::string_view kJsSecp256k1Signature =
    "304402200e4c629e9f5d99439115e60989cd40087f6978c36078b0b50cf3d30af5c38d4102204110342c8e7f08098"
    "97c1c7a66e49e1c6b7cb0a6ed6993640ec2fe742c1899a9";
inline constexpr std::string_view kJsSecp256k1PeerId =
    "16Uiu2HAm5vpzEwJ41kQmnwDu9moFusdc16wV1oCUd1AHLgFgPpKY";
// go-key-rsa.ts `verify`: RSA 2048 key and signature over `data` (both from go).
inline constexpr std::string_view kGoRsa2PublicKey =
    "080012a60230820122300d06092a864886f70d01010105000382010f003082010a0282010100b5718a6cd067a66625"
    "24ccfae4a52c40b0d2cd8df137c86e624455c7fe1356cc3ffaa7263bf992e449ab3f126068bf89baf4ff5a1077c334"
    "b1d5febbae54aead0cec35ea03d152254e6fd6874cc309f286bc99548be73392b13c0c199e5bd7980700542324e6e3"
    "43c648326e25d162c1415dadc704c666639490e0d9723590f5fb72d31452a37b4b10c06ad580020bc8cb5429c7e09b"
    "abd9406d74bc97b7ad34cda45d0dfb41b6a09ab9ef21b8549f6965adc2fb7b545c423db42d68a2e0d6e940dca50268"
    "749602eacb70157c1730421e3f1e24f687cbda7316bd27277dcd41dedc4d125479a1997d198b89aaef966a77a8d88c"
    "71791a35766e35c0f4fc91550203010001";
inline constexpr std::string_view kGoRsa2Data =
    "0a101b80e4dc93b03569afab20d523eccb3c12ab02080012a60230820122300d06092a864886f70d01010105000382"
    "010f003082010a0282010100b5718a6cd067a6662524ccfae4a52c40b0d2cd8df137c86e624455c7fe1356cc3ffaa7"
    "263bf992e449ab3f126068bf89baf4ff5a1077c334b1d5febbae54aead0cec35ea03d152254e6fd6874cc309f286bc"
    "99548be73392b13c0c199e5bd7980700542324e6e343c648326e25d162c1415dadc704c666639490e0d9723590f5fb"
    "72d31452a37b4b10c06ad580020bc8cb5429c7e09babd9406d74bc97b7ad34cda45d0dfb41b6a09ab9ef21b8549f69"
    "65adc2fb7b545c423db42d68a2e0d6e940dca50268749602eacb70157c1730421e3f1e24f687cbda7316bd27277dcd"
    "41dedc4d125479a1997d198b89aaef966a77a8d88c71791a35766e35c0f4fc915502030100011a11502d3235362c50"
    "2d3338342c502d35323122184145532d3235362c4145532d3132382c426c6f77666973682a0d5348413235362c5348"
    "413531320a10dc53f06906cb4e53d273066a625201a112ab02080012a60230820122300d06092a864886f70d010101"
    "05000382010f003082010a0282010100b9ea13bfa421415e572a4a53e0198e2c1a075cf2bd2aaac5b25c2df06b8d80"
    "3b7afc308c045555cb03c5087f78622ca987c4468975b4b186aa23a558691e728a0b6044631295dfa6690cb04d30d6"
    "16ec119ad5d19ea9ca0564d2535ac926cdf6e76a3f56de8f9dad3e0455e814bc06d1ba84c07592b5e91a00f08ace5b"
    "aa7289d9848bf290d56765be92bcfabc86ff467d4e4188efbece8b9b8ca3e9aaf7cd57d1131dad0a932b1c5a2e06c5"
    "d9ba42447e4c40b808aa174ff3df77857632e22cf6b00aa1db533644f8050eb172363f0b47888e38977be63d500fb4"
    "2a31dc9463e714e6dc55cfbb25d289ab7d470e35645b53d13284a5fd19a10561a4a3535f3502030100011a11502d32"
    "35362c502d3338342c502d353231220f4145532d3235362c4145532d3132382a0d5348413235362c53484135313204"
    "6136cb708822e7a2139a831b691a79ee7819cb42e835c614136077da5a40aa038474015774e8a5a1c675a73c9101fd"
    "6c329675088c85301eec2454ba16905765";
inline constexpr std::string_view kGoRsa2Signature =
    "037451395bc20701e6ece58e24d1d06b2f34a4ec8b239b612b40915b13da953f63a4bf6e91251207627090231dbaa9"
    "96a55891aac56e2aa3bc0a2a3f225d5b5ec76e0a52ee505d5d4d8216d8e5ac24e552a2144e132e52f32b50737d91e7"
    "c2e01ebb37e44a34cbbffe9488da3e93ab82fbb5691deecfc5f93d69caaca0ae2b7c7382a91e4c2934c8021a35be2b"
    "14cb0ad9fa2f665c67c5166cb84ada52cab4620d720c5c018b96aa085c2074a8db9da21c4d1d1d4a889031adf5fd4c"
    "a7c8a9a30731857863bf350a421aeaf08beb861e37f89664f2969fc62c4e9607858b3b4c03e15e0d597a225f5f6b4a"
    "a9aba9de19bfb694744243660cc1d9f7f394e9a19d";
// go-key-rsa.ts `public.key`: a 512-bit RSA key, below the 2048-bit minimum.
inline constexpr std::string_view kGoRsa512PublicKey =
    "0800125e305c300d06092a864886f70d0101010500034b003048024100e69da0f24ade57004db45bafd9a6025fc1ef"
    "c38ce03954cf2eac71c4148575cd2d07e02928c3fe7c0e54df9343c6302435a1702e995a137b5ef7057401ee200f02"
    "03010001";
// js-libp2p packages/peer-id/test/fixtures/sample-id.ts: an RSA public key (base64 protobuf) and
// its peer id multihash.
inline constexpr std::string_view kJsSampleRsaPublicKeyBase64 =
    "CAASpgIwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQC2SKo/HMFZeBml1AF3XijzrxrfQXdJzjePBZAbdxqKR1"
    "Mc6juRHXij6HXYPjlAk01BhF1S3Ll4Lwi0cAHhggf457sMg55UWyeGKeUv0ucgvCpBwlR5cQ020i0MgzjPWOLWq1rtvSbN"
    "cAi2ZEVn6+Q2EcHo3wUvWRtLeKz+DZSZfw2PEDC+DGPJPl7f8g7zl56YymmmzH9liZLNrzg/qidokUv5u1pdGrcpLuPNeT"
    "ODk0cqKB+OUbuKj9GShYECCEjaybJDl9276oalL9ghBtSeEv20kugatTvYy590wFlJkkvyl+nPxIH0EEYMKK9XRWlu9XYn"
    "oSfboiwcv8M3SlsjAgMBAAE=";
inline constexpr std::string_view kJsSampleRsaPeerIdHex =
    "122019318b6e5e0cf93a2314bf01269a2cc23cd3dcd452d742cdb9379d8646f6e4a9";

// js-libp2p packages/peer-record/test/peer-record.spec.ts "de/serializes the same as a go record":
// an envelope sealed by go, with its Ed25519 private key. The record holds /ip4/1.2.3.4/tcp/0..9.
inline constexpr std::string_view kGoPeerRecordPrivateKey =
    "0801124085fbe72b6064289004a531f967898df5319ee02992fdd84021fa5052434bf6ee11bba3ed1721948cefb4e5"
    "0b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c4";
inline constexpr std::string_view kGoPeerRecordEnvelope =
    "0a240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c4120203011aaa010a26"
    "00240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c410d8b8e0bf9391b697"
    "161a0a0a0804010203040600001a0a0a0804010203040600011a0a0a0804010203040600021a0a0a08040102030406"
    "00031a0a0a0804010203040600041a0a0a0804010203040600051a0a0a0804010203040600061a0a0a080401020304"
    "0600071a0a0a0804010203040600081a0a0a0804010203040600092a40b197f76b9f288af2b467fe666f7744762870"
    "49b424b73975c8860efb02372d026a799584541ad72f2654346485bca3ece36462b7d1b1391c8d276dc4ab8bca0b";
// seq field of that record (varint d8 b8 e0 bf 93 91 b6 97 16).
inline constexpr unsigned long long kGoPeerRecordSeq = 1598453001624231000ULL;

// ---------------------------------------------------------------------------------------------
// No published vectors exist for these; they were produced with the real implementations (not by
// our code), by the programs in tests/unit/crypto/vector_generators/.
//
// go-libp2p v0.51.0: record.Seal(&circuit.ReservationVoucher{Relay: <spec Ed25519 key's id>,
// Peer: kGoEd25519PeerId, Expiration: time.Unix(1700000000, 0)}, <spec Ed25519 key>).
inline constexpr std::string_view kGoVoucherEnvelope =
    "0a24080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e120203021a560a2600"
    "24080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e1226002408011220a3b0"
    "c32ffed03105c066203f3acaab9992a419d4195b921a75a59406cf5ad97e1880e2cfaa062a4085be61d39d47f28893"
    "25fdf62ea65d4ab230b97e1e3d5a491f545aef006c907837d390ca0d0ad897ccae923c72c91ffad8f77288d0648270"
    "26e538fbdd7c3a0b";
inline constexpr unsigned long long kGoVoucherExpiration = 1700000000ULL;
// go-libp2p v0.51.0: GenerateECDSAKeyPairWithCurve(P-384 / P-521), MarshalPublicKey, Sign of
// kGoFixtureMessage, peer.IDFromPublicKey.
inline constexpr std::string_view kGoEcdsaP384PublicKey =
    "080312783076301006072a8648ce3d020106052b81040022036200045368143e6182b693d19a14f4db3cfbd6cd0d3e"
    "f874c224a6aacc855d2a2b805ff430db248de86ce5cfb65be9b74ac2fcb971fc055247c710893c26009ea86276a858"
    "ddee969421108dafa21edec496b08aa2a9ad3f9b67a08d7e522b1ebd463f";
inline constexpr std::string_view kGoEcdsaP384Signature =
    "3065023038ff20ae5cd5538c59324c9fb51e54870aea8a7c03b7f09a72c0d3013e77f225571e3e9a3d0cdfa45b6bdb"
    "89b65cc092023100a7a879a673787ac3c9c35f2091aba5f7191c415ae64537cbe804a4f82c227b7de09bd9669d495c"
    "f5c322816ae0fd4c27";
inline constexpr std::string_view kGoEcdsaP384PeerId =
    "QmRoV6vP4FsqVD14gNn4EBJvdG6AMkbb4Q2oDke64SwV5W";
inline constexpr std::string_view kGoEcdsaP521PublicKey =
    "0803129e0130819b301006072a8648ce3d020106052b81040023038186000401c38047569a1e94f248a5c6012843a5"
    "34b25c7d71795019612fb47f47ae78881ed3045f4361a722c597bfd8f88f3e7a283c210c5328c8fdb46784931b65c1"
    "a81eba0178eabd43fbdfd5dfaa86738e83787e7a9c2d170d3254c1ba674b34b6d82813d8938cf1f5866fa883177453"
    "23fc7e2ad27c5653745eae2276f7cecb1b16a1180c11";
inline constexpr std::string_view kGoEcdsaP521Signature =
    "308188024201aef00e2c8028578addad01b6874eea0690dfbe608d4f6ada31cbfe3e0ef302ea98fc038396e5a581be"
    "7888bdb5b295386dc8b08857764acd436d64b796af69c05f024201a0085baf7b7a3f4d38f8922b07f09159aa7d0174"
    "6229013bef4270184f6b476e2668bf3f8dc5d34864c84ec7dfd8b0478d768fd37b825731d46307e6c0b55d693c";
inline constexpr std::string_view kGoEcdsaP521PeerId =
    "QmbFqSzTKeatjKx7f23qW9b7PCMVoNbcKXnNHVEhGaCvvX";
// rust-libp2p libp2p-core 0.44.0: PeerRecord::new(<spec Ed25519 key>, [/ip4/127.0.0.1/udp/4001/
// quic-v1, /ip6/::1/udp/4001/quic-v1]).to_signed_envelope().into_protobuf_encoding() — the legacy
// `libp2p-routing-state` format rust writes by default.
inline constexpr std::string_view kRustLegacyPeerRecordEnvelope =
    "0a24080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e121c2f6c6962703270"
    "2f726f7574696e672d73746174652d7265636f72641a580a260024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3"
    "b34b871c3cacf6010f0e42d474fce27e10d5d797d8061a0d0a0b047f00000191020fa1cd031a190a17290000000000"
    "000000000000000000000191020fa1cd032a401e14a6797a409589729cd3ce3929f5eef68af5d48670c19fd73d1785"
    "fa322d10afb26453aae0d1580c76aa6786521bae62cfaf4035a21c64957dd83cb2209203";
inline constexpr unsigned long long kRustLegacyPeerRecordSeq = 1795550165ULL;

}  // namespace privstack::crypto::vectors
