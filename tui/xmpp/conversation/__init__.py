"""What conversations and rooms share: one message pipeline.

A conversation (1:1 or a room) is one protocol (:mod:`.protocol`); its
messages take one path in and out (:mod:`.pipeline`), through one history
(:mod:`.history`), one archive reading (:mod:`.archive`), and the one place
an encryption scheme plugs in (:mod:`.encryption`).
"""
