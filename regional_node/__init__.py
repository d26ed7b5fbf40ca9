"""The reference regional certificate management system (三省一市电子证照管理系统).

A runnable implementation of a region's side of the hub ↔ region profile (docs/region-protocol.md):
its own SM2 key pair and certificate store, the provider side of fused search and retrieval,
signed PDF/OFD certificate files, and the receiving end of catalog and scenario-list
publications, which it forwards to the region's application systems (6.1 b).

It is its own Django project (``regional_node.settings``) and depends on nothing of the hub but
the Django-free ``ysj_protocol`` package. Run it with ``python -m regional_node serve``.
Importing this package does not import Django, so ``regional_node.demo`` can be read anywhere.
"""
