"""Django-free protocol package shared by the hub, the regional nodes and application systems.

It holds the SM2/SM3/SM4 layer, the section-12 envelope codec and its HTTP client, and the
certificate-file formats, so that every party speaks the protocol through one implementation.
"""
