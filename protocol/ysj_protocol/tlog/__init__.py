"""The evidence log's formats: an RFC 9162 Merkle tree with SM3, C2SP signed notes with SM2.

``hashing`` holds the tree's two hash functions; the proofs, the checkpoint note, cosignatures
and the witness protocol sit beside it. Each place where SM3 or SM2 stands in for the SHA-256 or
Ed25519 of the originals is said where it happens and listed in ``docs/evidence.md``.
"""
