"""Adapters of the protocol layer for a Django REST Framework deployment (``[django]`` extra).

Only the hub and the reference regional node import this subpackage; nothing else in
``ysj_protocol`` imports Django.
"""
