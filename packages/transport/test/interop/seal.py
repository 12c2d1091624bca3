#!/usr/bin/env python3
"""Protocol 2 sealing from the transport README alone, in Python with the
`cryptography` package: derive a node's keys, seal and open a box.

  seal.py keys   SECRET_Z85 PEER_PUBLIC_Z85 MASTER_PUBLIC_Z85 NODE_PUBLIC_Z85 NODE
  seal.py seal   KEY_HEX AAD_FIELDS_JSON BODY_JSON
  seal.py open   KEY_HEX AAD_FIELDS_JSON BOX

Used by the transport's tests (test/wire.test.ts) to hold the README's description to a second
implementation; a node written in Python would add pyzmq for the sockets.
"""
import base64, json, os, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

def z85_decode(text):
    out = b""
    for i in range(0, len(text), 5):
        value = 0
        for c in text[i:i + 5]:
            value = value * 85 + Z85.index(c)
        out += value.to_bytes(4, "big")
    return out

def keys(secret, peer_public, master_public, node_public, node):
    shared = X25519PrivateKey.from_private_bytes(z85_decode(secret)).exchange(X25519PublicKey.from_public_bytes(z85_decode(peer_public)))
    bound = z85_decode(master_public) + z85_decode(node_public) + node.encode("utf-8")
    derive = lambda direction: HKDF(algorithm=SHA256(), length=32, salt=b"diprocd/2", info=direction + b"\0" + bound).derive(shared)
    return {"masterToNode": derive(b"master-to-node").hex(), "nodeToMaster": derive(b"node-to-master").hex()}

def aad(fields):
    return "".join(f"{field}\0" for field in ["diprocd/2", *fields]).encode("utf-8")

def seal(key_hex, fields, body):
    nonce = os.urandom(12)
    return base64.b64encode(nonce + ChaCha20Poly1305(bytes.fromhex(key_hex)).encrypt(nonce, json.dumps(body).encode("utf-8"), aad(fields))).decode()

def open_box(key_hex, fields, box):
    raw = base64.b64decode(box)
    return json.loads(ChaCha20Poly1305(bytes.fromhex(key_hex)).decrypt(raw[:12], raw[12:], aad(fields)))

if __name__ == "__main__":
    verb, *args = sys.argv[1:]
    if verb == "keys":
        print(json.dumps(keys(*args)))
    elif verb == "seal":
        print(seal(args[0], json.loads(args[1]), json.loads(args[2])))
    elif verb == "open":
        print(json.dumps(open_box(args[0], json.loads(args[1]), args[2])))
    else:
        sys.exit(f"unknown verb {verb!r}")
